#if PythonBridge
/// The Python side of the checkpoint import, run in the embedded interpreter. Only the standard
/// library is used: torch is emulated by the few callables a state dict pickle names, and every
/// other global is refused before anything of the pickle runs (`find_class` is consulted when
/// the GLOBAL opcode is read, before any call that could use it).
///
/// `load(path)` returns (tensors, skipped): tensors as tuples
/// (name, dtype, shape, stride, data, start, limit) where `data` is a bytes object, `start` the
/// byte offset of the tensor's first element and `limit` the end of its storage in `data`;
/// Swift checks the bounds and gathers the elements.
let restrictedUnpicklerSource = #"""
import collections
import pickle
import struct
import tarfile
import zipfile


class RefusedGlobal(Exception):
    pass


class MalformedCheckpoint(Exception):
    pass


class _StorageType:
    def __init__(self, name, dtype, itemsize):
        self.name, self.dtype, self.itemsize = name, dtype, itemsize


_STORAGE_TYPES = {name: _StorageType(name, dtype, size) for name, dtype, size in [
    ("FloatStorage", "F32", 4), ("DoubleStorage", "F64", 8), ("HalfStorage", "F16", 2),
    ("BFloat16Storage", "BF16", 2), ("LongStorage", "I64", 8), ("IntStorage", "I32", 4),
    ("ShortStorage", "I16", 2), ("CharStorage", "I8", 1), ("ByteStorage", "U8", 1),
    ("BoolStorage", "BOOL", 1)]}


class _Storage:
    # `data[start:start + nbytes]` holds the elements; data is filled in after the pickle for
    # the legacy format, whose storage bytes follow it.
    def __init__(self, kind, nbytes):
        self.kind, self.nbytes, self.data, self.start = kind, nbytes, None, 0


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride


def _ints(value, what):
    if not isinstance(value, (tuple, list)) or not all(type(v) is int and v >= 0 for v in value):
        raise MalformedCheckpoint(f"{what} is not a tuple of non-negative ints: {value!r}")
    return tuple(value)


def _rebuild_tensor(storage, storage_offset, size, stride):
    if not isinstance(storage, _Storage):
        raise MalformedCheckpoint("a tensor's storage is not a persistent storage record")
    if type(storage_offset) is not int or storage_offset < 0:
        raise MalformedCheckpoint(f"storage offset {storage_offset!r}")
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    if len(size) != len(stride):
        raise MalformedCheckpoint(f"size {size} and stride {stride} differ in rank")
    return _Tensor(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _rebuild_tensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, state=None):
    if not isinstance(data, _Tensor):
        raise MalformedCheckpoint("a parameter wraps something other than a tensor")
    return data


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}
_ALLOWED.update({("torch", name): kind for name, kind in _STORAGE_TYPES.items()})


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file, storage_for):
        super().__init__(file)
        self._storage_for = storage_for

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise RefusedGlobal(module, name) from None

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] not in ("storage", b"storage"):
            raise MalformedCheckpoint(f"unknown persistent id {pid!r:.80}")
        kind, key, numel = pid[1], pid[2], pid[4]
        if not isinstance(kind, _StorageType):
            raise MalformedCheckpoint(f"storage type {kind!r:.80}")
        if type(numel) is not int or numel < 0:
            raise MalformedCheckpoint(f"storage size {numel!r}")
        if isinstance(key, bytes):
            key = key.decode("ascii")
        view = pid[5] if len(pid) > 5 else None
        return self._storage_for(str(key), kind, numel, view)


def _load_pickle(file, storage_for=None):
    def refuse_storage(key, kind, numel, view):
        raise MalformedCheckpoint("a storage record outside the main pickle")
    return _RestrictedUnpickler(file, storage_for or refuse_storage).load()


def _load_zip(path):
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise MalformedCheckpoint(f"expected one data.pkl in the zip archive, found {len(pickles)}")
        prefix = pickles[0][: -len("data.pkl")]
        if prefix + "byteorder" in archive.namelist():
            order = archive.read(prefix + "byteorder").decode("ascii", "replace").strip()
            if order != "little":
                raise MalformedCheckpoint(f"byte order {order!r}; only little-endian is supported")
        blobs, storages = {}, {}

        def storage_for(key, kind, numel, view):
            if view is not None:
                raise MalformedCheckpoint("storage views are not used by zip checkpoints")
            if key not in blobs:
                try:
                    blobs[key] = archive.read(f"{prefix}data/{key}")
                except KeyError:
                    raise MalformedCheckpoint(f"storage {key} is missing from the archive") from None
            if (key, kind.name) not in storages:
                storage = _Storage(kind, numel * kind.itemsize)
                storage.data = blobs[key]
                if len(storage.data) < storage.nbytes:
                    raise MalformedCheckpoint(
                        f"storage {key} has {len(storage.data)} bytes, {storage.nbytes} expected")
                storages[(key, kind.name)] = storage
            return storages[(key, kind.name)]

        with archive.open(pickles[0]) as f:
            return _load_pickle(f, storage_for)


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _load_legacy(path):
    with open(path, "rb") as f:
        if _load_pickle(f) != _LEGACY_MAGIC:
            raise MalformedCheckpoint("not a zip archive and no legacy PyTorch magic number")
        if _load_pickle(f) != 1001:
            raise MalformedCheckpoint("unknown legacy protocol version")
        info = _load_pickle(f)
        if isinstance(info, dict) and info.get("little_endian") is False:
            raise MalformedCheckpoint("big-endian legacy checkpoint")
        roots, views = {}, []

        def storage_for(key, kind, numel, view):
            if key not in roots:
                roots[key] = _Storage(kind, numel * kind.itemsize)
            root = roots[key]
            if view is None:
                return root
            view_key, offset, view_size = view
            storage = _Storage(kind, view_size * kind.itemsize)
            views.append((storage, root, offset * kind.itemsize))
            return storage

        result = _load_pickle(f, storage_for)
        keys = _load_pickle(f)
        if not isinstance(keys, list):
            raise MalformedCheckpoint("the legacy storage key list is missing")
        start = f.tell()
        data = f.read()
    position = 0
    for key in keys:
        storage = roots.get(str(key))
        if storage is None:
            raise MalformedCheckpoint(f"legacy storage {key!r} is not used by any tensor")
        if position + 8 > len(data):
            raise MalformedCheckpoint(f"file ends before legacy storage {key}")
        (count,) = struct.unpack_from("<q", data, position)
        position += 8
        nbytes = count * storage.kind.itemsize
        if count < 0 or position + nbytes > len(data) or nbytes < storage.nbytes:
            raise MalformedCheckpoint(f"legacy storage {key} runs past the end of the file")
        storage.data, storage.start = data, position
        position += nbytes
    for storage, root, offset in views:
        if root.data is None or offset + storage.nbytes > root.nbytes:
            raise MalformedCheckpoint("a legacy storage view lies outside its storage")
        storage.data, storage.start = root.data, root.start + offset
    return result


def _flatten(value, path, tensors, skipped, depth=0):
    if depth > 64:
        raise MalformedCheckpoint(f"nesting deeper than 64 levels at {path!r}")
    if isinstance(value, _Tensor):
        tensors.append((path, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), tensors, skipped, depth + 1)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _flatten(item, f"{path}.{i}" if path else str(i), tensors, skipped, depth + 1)
    else:
        skipped.append(path)


def _unpickle(path):
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"PK":
        if not zipfile.is_zipfile(path):
            raise MalformedCheckpoint("the zip archive is truncated or damaged")
        return _load_zip(path)
    if tarfile.is_tarfile(path):
        raise MalformedCheckpoint("the tar format of PyTorch before 0.4 is not supported")
    if head[:1] != b"\x80":
        raise MalformedCheckpoint("neither a zip archive (PyTorch >= 1.6) nor a pickle (older PyTorch)")
    return _load_legacy(path)


def load(path):
    try:
        result = _unpickle(path)
    except (RefusedGlobal, MalformedCheckpoint):
        raise
    except Exception as e:
        raise MalformedCheckpoint(f"damaged pickle or archive ({type(e).__name__}: {e})") from None
    tensors, skipped = [], []
    _flatten(result, "", tensors, skipped)
    out = []
    for name, t in tensors:
        s = t.storage
        if s.data is None:
            raise MalformedCheckpoint(f"{name}: its storage was never read")
        item = s.kind.itemsize
        out.append((name, s.kind.dtype, t.size, t.stride, s.data,
                    s.start + t.offset * item, s.start + s.nbytes))
    return out, skipped
"""#
#endif
