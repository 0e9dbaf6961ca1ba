import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file mapped read-only into memory for as long as this object lives. Tensors read from the
/// file point into `bytes` and keep the mapping alive by holding a reference to it, so loading
/// does not copy weights until they are converted into the caller's buffer.
public final class MappedFile: ByteStore, @unchecked Sendable {
    // Immutable after init; the mapping is read-only, so sharing across threads is safe.
    public let url: URL
    public let bytes: UnsafeRawBufferPointer
    private let mappedLength: Int

    /// Maps `url` read-only. An empty file yields an empty buffer (nothing is mapped).
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CheckpointError.io(file: path, reason: "cannot open: \(Self.errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CheckpointError.io(file: path, reason: "cannot stat: \(Self.errnoText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CheckpointError.io(file: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            mappedLength = 0
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw CheckpointError.io(file: path, reason: "cannot map: \(Self.errnoText())")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        mappedLength = size
    }

    deinit {
        if mappedLength > 0, let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }
    }

    public var count: Int { bytes.count }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Memory that tensor views point into, kept alive as long as any view holds the store.
public protocol ByteStore: AnyObject, Sendable {
    var bytes: UnsafeRawBufferPointer { get }
}

/// Bytes copied onto the heap: parsing in-memory buffers (tests, fuzzing, downloads).
public final class HeapBytes: ByteStore, @unchecked Sendable {
    // Immutable after init; freed on deinit.
    public let bytes: UnsafeRawBufferPointer
    private let allocation: UnsafeMutableRawBufferPointer

    public init(_ data: some Collection<UInt8>) {
        allocation = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
        _ = allocation.initializeMemory(as: UInt8.self, from: data)
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(allocation)[0..<data.count])
    }

    deinit { allocation.deallocate() }
}
