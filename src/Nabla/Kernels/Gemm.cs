namespace Nabla.Kernels;

/// <summary>
/// Single-precision general matrix multiply over row-major spans:
/// C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C, where op(X) is X or Xᵀ.
/// Transposed operands are read in place, never copied first. With beta = 1 the product is added
/// into C (backward uses this to accumulate gradients); with beta = 0, C is written without being read,
/// so whatever it held (NaN included) is ignored.
/// </summary>
/// <remarks>
/// Layouts: A is [m,k] with row stride lda (or [k,m] when transA); B is [k,n] with row stride ldb
/// (or [n,k] when transB); C is [m,n] with row stride ldc. A stride larger than the row width addresses
/// a sub-matrix of a larger one.
/// The work is done by <see cref="GemmDriver{TKernel}"/> (cache blocking, packing, threads) around the
/// widest micro-kernel this CPU runs: AVX-512 6×32, AVX2 + FMA 6×16, or scalar 4×4; a single row of C
/// (m = 1) or column (n = 1) goes to <see cref="GemmRowVector"/> without packing. Results are bit-identical run after run,
/// and for any thread count.
/// Special values: alpha = 0 or k = 0 leaves C = beta · C without reading A or B (the BLAS convention).
/// </remarks>
public static class Gemm
{
    /// <summary>Which micro-kernel this CPU uses (for reports and benchmarks).</summary>
    public static string KernelName =>
        Avx512Kernel6x32.IsSupported ? "AVX-512 6x32" : Avx2Kernel6x16.IsSupported ? "AVX2+FMA 6x16" : "scalar 4x4";

    public static unsafe void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        CheckShapes(transA, transB, m, n, k, lda, ldb, ldc);
        CheckLength("A", a.Length, 0, transA ? k : m, transA ? m : k, lda);
        CheckLength("B", b.Length, 0, transB ? n : k, transB ? k : n, ldb);
        CheckLength("C", c.Length, 0, m, n, ldc);
        fixed (float* pa = a, pb = b, pc = c)
        {
            Multiply(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, ParallelFor.MaxThreads);
        }
    }

    /// <summary>The same product over raw pointers (for callers that hold pinned or native memory).
    /// Shapes and strides are checked; the extents behind the pointers are the caller's responsibility.</summary>
    public static unsafe void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        CheckShapes(transA, transB, m, n, k, lda, ldb, ldc);
        Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ParallelFor.MaxThreads);
    }

    /// <summary>
    /// <paramref name="batch"/> independent products; matrix <c>i</c> of A, B and C starts at
    /// <c>i · strideA</c>, <c>i · strideB</c>, <c>i · strideC</c> (a stride of 0 broadcasts that operand).
    /// </summary>
    /// <remarks>
    /// Many small products (attention's per-head matrices) run one per thread; few large ones run one
    /// after another, each on all threads. strideC = 0 sums every product into the same C (with beta
    /// applied once, by the first) and always runs in batch order, so the sum is deterministic.
    /// </remarks>
    public static unsafe void SgemmBatched(
        int batch, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, long strideA, ReadOnlySpan<float> b, int ldb, long strideB,
        float beta, Span<float> c, int ldc, long strideC)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Gemm.SgemmBatched: batch must be non-negative.");
        if (strideA < 0 || strideB < 0 || strideC < 0)
        {
            throw new ArgumentException($"Gemm.SgemmBatched: strides must be non-negative (strideA={strideA}, strideB={strideB}, strideC={strideC}).");
        }
        CheckShapes(transA, transB, m, n, k, lda, ldb, ldc);
        if (batch == 0) return;
        long last = batch - 1;
        CheckLength("A", a.Length, last * strideA, transA ? k : m, transA ? m : k, lda);
        CheckLength("B", b.Length, last * strideB, transB ? n : k, transB ? k : n, ldb);
        CheckLength("C", c.Length, last * strideC, m, n, ldc);
        fixed (float* pa = a, pb = b, pc = c)
        {
            var items = new BatchRange
            {
                TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, A = pa, Lda = lda, StrideA = strideA,
                B = pb, Ldb = ldb, StrideB = strideB, Beta = beta, C = pc, Ldc = ldc, StrideC = strideC,
            };
            int threads = ParallelFor.MaxThreads;
            long fmaPerItem = (long)m * n * k;
            bool onePerThread = strideC != 0 && batch >= threads
                && (batch % threads == 0 || batch >= 4 * threads || fmaPerItem < (1L << 21));
            if (onePerThread)
            {
                items.ThreadsPerItem = 1;
                ParallelFor.Run(batch, (int)Math.Clamp((1L << 18) / Math.Max(1, fmaPerItem), 1, int.MaxValue), items);
            }
            else
            {
                items.ThreadsPerItem = threads;
                for (int i = 0; i < batch; i++)
                {
                    // Summing into one C: beta applies to the first product only.
                    if (strideC == 0 && i > 0) items.Beta = 1f;
                    items.Invoke(i, i + 1);
                }
            }
        }
    }

    private unsafe struct BatchRange : IRangeAction
    {
        public bool TransA, TransB;
        public int M, N, K, Lda, Ldb, Ldc, ThreadsPerItem;
        public float Alpha, Beta;
        public float* A, B, C;
        public long StrideA, StrideB, StrideC;

        public readonly void Invoke(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                Multiply(TransA, TransB, M, N, K, Alpha, A + i * StrideA, Lda, B + i * StrideB, Ldb,
                    Beta, C + i * StrideC, Ldc, ThreadsPerItem);
            }
        }
    }

    /// <summary>Dispatch: degenerate cases here, a single row or column of C to the direct row-vector path,
    /// everything else to the blocked driver with the best kernel.</summary>
    private static unsafe void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int maxThreads)
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        if (m == 1)
            GemmRowVector.Run(transA, transB, n, k, alpha, a, lda, b, ldb, beta, c, maxThreads);
        else if (n == 1 && GemmRowVector.CanRunColumn(transA, ldc))
            GemmRowVector.RunColumn(transA, transB, m, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads);
        else if (Avx512Kernel6x32.IsSupported)
            GemmDriver<Avx512Kernel6x32>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads);
        else if (Avx2Kernel6x16.IsSupported)
            GemmDriver<Avx2Kernel6x16>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads);
        else
            GemmDriver<ScalarKernel4x4>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, maxThreads);
    }

    /// <summary>C = beta · C (beta = 0 writes zeros without reading C).</summary>
    private static unsafe void ScaleC(int m, int n, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private static void CheckShapes(bool transA, bool transB, int m, int n, int k, int lda, int ldb, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentException($"Gemm.Sgemm: sizes must be non-negative (m={m}, n={n}, k={k}).");
        }
        CheckStride("lda", lda, transA ? m : k, transA ? "[k,m] (transA)" : "[m,k]");
        CheckStride("ldb", ldb, transB ? k : n, transB ? "[n,k] (transB)" : "[k,n]");
        CheckStride("ldc", ldc, n, "[m,n]");
    }

    private static void CheckStride(string name, int stride, int width, string layout)
    {
        if (stride < Math.Max(1, width))
        {
            throw new ArgumentException($"Gemm.Sgemm: {name}={stride} is smaller than the row width {width} of {layout}.");
        }
    }

    /// <summary>A [rows, cols] matrix with row stride ld, starting at <paramref name="offset"/>, must fit in the span.</summary>
    private static void CheckLength(string name, int length, long offset, int rows, int cols, int ld)
    {
        if (rows == 0 || cols == 0) return;
        long needed = offset + (long)(rows - 1) * ld + cols;
        if (needed > length)
        {
            throw new ArgumentException(
                $"Gemm.Sgemm: {name} holds {length} floats but a [{rows},{cols}] matrix with row stride {ld}" +
                (offset > 0 ? $" at offset {offset}" : "") + $" needs {needed}.");
        }
    }
}
