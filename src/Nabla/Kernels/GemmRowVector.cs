using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// The m = 1 case — one row times a matrix, c = alpha · x · op(B) + beta · c — done directly, without
/// packing. It is what generating one token at a time asks of every layer, and it is memory-bound: each
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
            var dots = new DotRange { X = x, B = b, Ldb = ldb, K = k, C = c, Alpha = alpha, Beta = beta };
            Fork(n, MinFmaPerTask / k, maxThreads, dots);
        }
        else
        {
            // Outputs go in blocks of 16 so a block boundary never splits a vector.
            var sums = new AxpyRange { X = x, B = b, Ldb = ldb, K = k, N = n, C = c, Alpha = alpha, Beta = beta };
            Fork((n + 15) / 16, MinFmaPerTask / (16L * k), maxThreads, sums);
        }
    }

    private static void Fork<TAction>(int count, long minPerTask, int maxThreads, TAction action) where TAction : struct, IRangeAction
    {
        if (maxThreads == 1) action.Invoke(0, count);
        else ParallelFor.Run(count, (int)Math.Clamp(minPerTask, 1, int.MaxValue), action);
    }

    /// <summary>c[j] = alpha · (x · B[j, :]) + beta · c[j] for j in [start, end).</summary>
    private struct DotRange : IRangeAction
    {
        public float* X, B, C;
        public int Ldb, K;
        public float Alpha, Beta;

        public readonly void Invoke(int start, int end)
        {
            var x = new ReadOnlySpan<float>(X, K);
            for (int j = start; j < end; j++)
            {
                float dot = TensorPrimitives.Dot(x, new ReadOnlySpan<float>(B + (long)j * Ldb, K));
                C[j] = Beta == 0f ? Alpha * dot : Alpha * dot + Beta * C[j];
            }
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
