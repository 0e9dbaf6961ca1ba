#if PythonBridge
import CPython

/// Whether this build can import pickled PyTorch checkpoints.
public let pythonBridgeAvailable = true
#else
/// Whether this build can import pickled PyTorch checkpoints.
public let pythonBridgeAvailable = false
#endif
