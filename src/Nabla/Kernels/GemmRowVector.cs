using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// The m = 1 case — one row times a matrix, c = alpha · x · op(B) + beta · c — and its mirror n = 1 (a
/// matrix times one column), done directly, without packing. It is what generating one token at a time asks of every layer, and it is memory-bound: each
/// element of B is used once, so copying B into a packed panel first would double the traffic for nothing.
/// </summary>
/// <remarks>
/// With B stored [n,k] (transB, PyTorch's Linear weight layout) each output is a dot product of x with a
/// row of B; with B stored [k,n] the output row is a sum of rows of B scaled by x's entries (axpy form).
/// Threads split the outputs; each output is computed in the same order whatever the split.
/// </remarks>
internal static unsafe class GemmRowVector
{
    /// <summary>Outputs per task below which splitting does not pay.</summary>
    private const long MinFmaPerTask = 1L << 16;

    public static void Run(bool transA, bool transB, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int maxThreads)
    {
        float* x = a;
        if (transA)
        {
            // op(A) = Aᵀ with A [k,1]: x's entries are one column of A, lda apart. Gather them.
            x = GemmBuffers.PackedA(k);
            for (int p = 0; p < k; p++) x[p] = a[(long)p * lda];
        }
        if (transB)
        {
            var dots = new DotRange { X = x, B = b, Ldb = ldb, K = k, N = n, C = c, Ldc = 1, Alpha = alpha, Beta = beta };
            Fork(DotRange.Groups(n), MinFmaPerTask / (MatVecKernel.GroupRows * (long)k), maxThreads, dots);
        }
        else
        {
            // Outputs go in blocks of 16 so a block boundary never splits a vector.
            var sums = new AxpyRange { X = x, B = b, Ldb = ldb, K = k, N = n, C = c, Alpha = alpha, Beta = beta };
            Fork((n + 15) / 16, MinFmaPerTask / (16L * k), maxThreads, sums);
        }
    }

    /// <summary>The n = 1 case as the transposed problem: cᵀ = x · op(A)ᵀ with x = op(B)[:, 0]. With A stored
    /// [m,k] each output is a dot product with a row of A (any ldc); with A stored [k,m] it is a sum of rows
    /// of A, which needs C's column contiguous (ldc = 1) — <see cref="CanRunColumn"/> says which.</summary>
    public static void RunColumn(bool transA, bool transB, int m, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int maxThreads)
    {
        float* x = b;
        if (!transB)
        {
            // op(B) = B [k,1]: x's entries are one column of B, ldb apart. Gather them.
            x = GemmBuffers.PackedB(k);
            for (int p = 0; p < k; p++) x[p] = b[(long)p * ldb];
        }
        if (!transA)
        {
            var dots = new DotRange { X = x, B = a, Ldb = lda, K = k, N = m, C = c, Ldc = ldc, Alpha = alpha, Beta = beta };
            Fork(DotRange.Groups(m), MinFmaPerTask / (MatVecKernel.GroupRows * (long)k), maxThreads, dots);
        }
        else
        {
            var sums = new AxpyRange { X = x, B = a, Ldb = lda, K = k, N = m, C = c, Alpha = alpha, Beta = beta };
            Fork((m + 15) / 16, MinFmaPerTask / (16L * k), maxThreads, sums);
        }
    }

    /// <summary>Whether <see cref="RunColumn"/> handles this n = 1 product.</summary>
    public static bool CanRunColumn(bool transA, int ldc) => !transA || ldc == 1;

    private static void Fork<TAction>(int count, long minPerTask, int maxThreads, TAction action) where TAction : struct, IRangeAction
    {
        if (maxThreads == 1) action.Invoke(0, count);
        else ParallelFor.Run(count, (int)Math.Clamp(minPerTask, 1, int.MaxValue), action);
    }

    /// <summary>c[j·ldc] = alpha · (x · B[j, :]) + beta · c[j·ldc] for the groups of four outputs [start, end):
    /// four rows of B stream past one load of x (<see cref="MatVecKernel.Dot4{T}"/>), and each output is summed
    /// as it would be alone, so the split does not change it.</summary>
    private struct DotRange : IRangeAction
    {
        public float* X, B, C;
        public int Ldb, Ldc, K, N;
        public float Alpha, Beta;

        public static int Groups(int n) => (n + MatVecKernel.GroupRows - 1) / MatVecKernel.GroupRows;

        public readonly void Invoke(int start, int end)
        {
            if (RowMath.Use512) Rows<Lanes512>(start, end);
            else if (RowMath.Use256) Rows<Lanes256>(start, end);
            else if (RowMath.Use128) Rows<Lanes128>(start, end);
            else Rows<Lanes1>(start, end);
        }

        private readonly void Rows<T>(int start, int end) where T : struct, ILanes<T>
        {
            ref readonly float x = ref *X;
            for (int g = start; g < end; g++)
            {
                int j = g * MatVecKernel.GroupRows;
                if (j + MatVecKernel.GroupRows <= N)
                {
                    MatVecKernel.Dot4<T>(in B[(long)j * Ldb], Ldb, in x, K, out float d0, out float d1, out float d2, out float d3);
                    Store(j, d0);
                    Store(j + 1, d1);
                    Store(j + 2, d2);
                    Store(j + 3, d3);
                }
                else
                    for (; j < N; j++) Store(j, RowMath.Dot<T>(in B[(long)j * Ldb], in x, K));
            }
        }

        private readonly void Store(int j, float dot)
        {
            ref float cj = ref C[(long)j * Ldc];
            cj = Beta == 0f ? Alpha * dot : Alpha * dot + Beta * cj;
        }
    }

    /// <summary>c[j] = beta · c[j] + Σ_p (alpha · x[p]) · B[p, j] for the 16-wide blocks [start, end).</summary>
    private struct AxpyRange : IRangeAction
    {
        public float* X, B, C;
        public int Ldb, K, N;
        public float Alpha, Beta;

        public readonly void Invoke(int start, int end)
        {
            int first = start * 16, last = Math.Min(N, end * 16);
            // 512 outputs at a time: that piece of c stays in L1 while all K rows of B stream past it.
            for (int j0 = first; j0 < last; j0 += 512)
            {
                int width = Math.Min(512, last - j0);
                var c = new Span<float>(C + j0, width);
                if (Beta == 0f) c.Clear();
                else if (Beta != 1f) TensorPrimitives.Multiply(c, Beta, c);
                for (int p = 0; p < K; p++)
                {
                    var row = new ReadOnlySpan<float>(B + (long)p * Ldb + j0, width);
                    TensorPrimitives.MultiplyAdd(row, Alpha * X[p], c, c);
                }
            }
        }
    }
}
