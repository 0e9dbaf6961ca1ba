import CBLAS

// Matrix products through OpenBLAS's cblas_sgemm, or cblas_sgemv for a single row (row-major).
// Thread counts are decided by the threading policy (ThreadPolicy.prepareBLAS), not here.

/// c (M, N) = op(a) op(b) (+ c when `accumulate`), where op(a) is (M, K): a is (M, K), or (K, M)
/// when `transposeA`; op(b) is (K, N): b is (K, N), or (N, K) when `transposeB`.
public func matmulForward(_ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                          M: Int, N: Int, K: Int, transposeA: Bool = false, transposeB: Bool = false,
                          accumulate: Bool = false) {
    if M == 0 || N == 0 { return }
    if K == 0 {
        if !accumulate { c.update(repeating: 0, count: M * N) }
        return
    }
    ThreadPolicy.prepareBLAS(m: M, n: N, k: K)
    if M == 1 {
        // A single row (decoding one token): GEMV is 2-4x faster than GEMM with M = 1, and the
        // row's layout is the same whether a is transposed or not.
        // c [N] = op(b)^T a: b [N, K] with transposeB is already "rows of outputs".
        cblas_sgemv(CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans, Int32(transposeB ? N : K), Int32(transposeB ? K : N),
                    1, b, Int32(transposeB ? K : N), a, 1, accumulate ? 1 : 0, c, 1)
        return
    }
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(M), Int32(N), Int32(K), 1, a, Int32(transposeA ? M : K), b, Int32(transposeB ? K : N),
                accumulate ? 1 : 0, c, Int32(N))
}

/// The same product for `batch` independent matrices stored back to back; `bShared` uses one b
/// for every batch entry.
public func batchedMatmulForward(_ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                 batch: Int, M: Int, N: Int, K: Int, transposeA: Bool = false, transposeB: Bool = false,
                                 bShared: Bool = false, accumulate: Bool = false) {
    for i in 0..<batch {
        matmulForward(c + i * M * N, a + i * M * K, bShared ? b : b + i * K * N, M: M, N: N, K: K,
                      transposeA: transposeA, transposeB: transposeB, accumulate: accumulate)
    }
}
