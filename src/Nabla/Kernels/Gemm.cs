namespace Nabla.Kernels;

/// <summary>
/// Single-precision general matrix multiply over row-major spans:
/// C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C, where op(X) is X or Xᵀ.
/// Transposed operands are read in place, never copied first. With beta = 1 the product is added
/// into C (backward uses this to accumulate gradients).
/// </summary>
/// <remarks>
/// Layouts: A is [m,k] with row stride lda (or [k,m] when transA); B is [k,n] with row stride ldb
/// (or [n,k] when transB); C is [m,n] with row stride ldc.
/// This is the reference implementation; the blocked, packed SIMD kernel replaces its body.
/// </remarks>
public static class Gemm
{
    public static void Sgemm(
        bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                ref float cij = ref c[i * ldc + j];
                cij = beta == 0f ? alpha * sum : alpha * sum + beta * cij;
            }
        }
    }

    /// <summary>
    /// <paramref name="batch"/> independent products; matrix <c>i</c> of A, B and C starts at
    /// <c>i · strideA</c>, <c>i · strideB</c>, <c>i · strideC</c> (a stride of 0 broadcasts that operand).
    /// </summary>
    public static void SgemmBatched(
        int batch, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, long strideA, ReadOnlySpan<float> b, int ldb, long strideB,
        float beta, Span<float> c, int ldc, long strideC)
    {
        for (int i = 0; i < batch; i++)
        {
            Sgemm(transA, transB, m, n, k, alpha,
                a[(int)(i * strideA)..], lda, b[(int)(i * strideB)..], ldb,
                beta, c[(int)(i * strideC)..], ldc);
        }
    }
}
