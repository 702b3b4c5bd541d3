using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// The small products of attention's tiles, c = alpha · a · b (or c += alpha · a · b), with m, n ≤ 64 and
/// k ≤ 64 or the head size: too small for the blocked GEMM's packing to pay, so they run straight from
/// the tiles, in registers.
/// </summary>
/// <remarks>
/// a is read through two strides, a(i, p) = a[i · aRow + p · aCol], so a tile is used transposed in place
/// (pᵀ dO reads p with aRow = 1). b is [k, n] row-major with row stride ldb, and lanes run along its rows.
/// Four rows of c and two registers of columns are held in eight accumulators: each step of p loads two
/// registers of b and broadcasts four elements of a into eight multiply-adds, enough independent chains
/// to keep the FMA units busy. Narrower column tails take one register, then one float (<see cref="Lanes1"/>).
/// Which loop computes an element of c depends only on the sizes, never on the thread count.
/// </remarks>
internal static unsafe class AttentionTile
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Multiply<T>(int m, int n, int k, float alpha, float* a, int aRow, int aCol,
        float* b, int ldb, float* c, int ldc, bool accumulate) where T : struct, ILanes<T>
    {
        int i = 0;
        for (; i <= m - 4; i += 4)
        {
            float* ai = a + (long)i * aRow;
            float* ci = c + (long)i * ldc;
            int j = 0;
            for (; j <= n - 2 * T.Count; j += 2 * T.Count) FourRowsTwoRegisters<T>(k, alpha, ai, aRow, aCol, b + j, ldb, ci + j, ldc, accumulate);
            for (; j <= n - T.Count; j += T.Count) FourRowsOneRegister<T>(k, alpha, ai, aRow, aCol, b + j, ldb, ci + j, ldc, accumulate);
            for (; j < n; j++) FourRowsOneRegister<Lanes1>(k, alpha, ai, aRow, aCol, b + j, ldb, ci + j, ldc, accumulate);
        }
        for (; i < m; i++)
        {
            float* ai = a + (long)i * aRow;
            float* ci = c + (long)i * ldc;
            int j = 0;
            for (; j <= n - T.Count; j += T.Count) OneRowOneRegister<T>(k, alpha, ai, aCol, b + j, ldb, ci + j, accumulate);
            for (; j < n; j++) OneRowOneRegister<Lanes1>(k, alpha, ai, aCol, b + j, ldb, ci + j, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void FourRowsTwoRegisters<T>(int k, float alpha, float* a, int aRow, int aCol,
        float* b, int ldb, float* c, int ldc, bool accumulate) where T : struct, ILanes<T>
    {
        T zero = T.Broadcast(0f);
        T c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
        float* a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
        for (int p = 0; p < k; p++)
        {
            long ap = (long)p * aCol;
            float* bp = b + (long)p * ldb;
            T b0 = T.Load(in bp[0], 0), b1 = T.Load(in bp[0], T.Count);
            T x = T.Broadcast(a0[ap]);
            c00 = T.MultiplyAdd(x, b0, c00);
            c01 = T.MultiplyAdd(x, b1, c01);
            x = T.Broadcast(a1[ap]);
            c10 = T.MultiplyAdd(x, b0, c10);
            c11 = T.MultiplyAdd(x, b1, c11);
            x = T.Broadcast(a2[ap]);
            c20 = T.MultiplyAdd(x, b0, c20);
            c21 = T.MultiplyAdd(x, b1, c21);
            x = T.Broadcast(a3[ap]);
            c30 = T.MultiplyAdd(x, b0, c30);
            c31 = T.MultiplyAdd(x, b1, c31);
        }
        T s = T.Broadcast(alpha);
        Put(c00, s, ref c[0], accumulate);
        Put(c01, s, ref c[T.Count], accumulate);
        Put(c10, s, ref c[ldc], accumulate);
        Put(c11, s, ref c[ldc + T.Count], accumulate);
        Put(c20, s, ref c[2 * ldc], accumulate);
        Put(c21, s, ref c[2 * ldc + T.Count], accumulate);
        Put(c30, s, ref c[3 * ldc], accumulate);
        Put(c31, s, ref c[3 * ldc + T.Count], accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void FourRowsOneRegister<T>(int k, float alpha, float* a, int aRow, int aCol,
        float* b, int ldb, float* c, int ldc, bool accumulate) where T : struct, ILanes<T>
    {
        T zero = T.Broadcast(0f);
        T c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        float* a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
        for (int p = 0; p < k; p++)
        {
            long ap = (long)p * aCol;
            T bp = T.Load(in b[(long)p * ldb], 0);
            c0 = T.MultiplyAdd(T.Broadcast(a0[ap]), bp, c0);
            c1 = T.MultiplyAdd(T.Broadcast(a1[ap]), bp, c1);
            c2 = T.MultiplyAdd(T.Broadcast(a2[ap]), bp, c2);
            c3 = T.MultiplyAdd(T.Broadcast(a3[ap]), bp, c3);
        }
        T s = T.Broadcast(alpha);
        Put(c0, s, ref c[0], accumulate);
        Put(c1, s, ref c[ldc], accumulate);
        Put(c2, s, ref c[2 * ldc], accumulate);
        Put(c3, s, ref c[3 * ldc], accumulate);
    }

    /// <summary>One row: even and odd p in two accumulators, so two multiply-add chains overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void OneRowOneRegister<T>(int k, float alpha, float* a, int aCol, float* b, int ldb, float* c, bool accumulate)
        where T : struct, ILanes<T>
    {
        T even = T.Broadcast(0f), odd = even;
        int p = 0;
        for (; p <= k - 2; p += 2)
        {
            even = T.MultiplyAdd(T.Broadcast(a[(long)p * aCol]), T.Load(in b[(long)p * ldb], 0), even);
            odd = T.MultiplyAdd(T.Broadcast(a[(long)(p + 1) * aCol]), T.Load(in b[(long)(p + 1) * ldb], 0), odd);
        }
        if (p < k) even = T.MultiplyAdd(T.Broadcast(a[(long)p * aCol]), T.Load(in b[(long)p * ldb], 0), even);
        Put(even + odd, T.Broadcast(alpha), ref c[0], accumulate);
    }

    /// <summary>c[i, j] = alpha · a_i · b_j for rows a_i of a [m, k] and b_j of b [n, k], rows lda and ldb
    /// apart: the scores of a few queries, with no transposed copy of the keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void DotRows<T>(int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float* c, int ldc) where T : struct, ILanes<T>
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[(long)i * ldc + j] = alpha * RowMath.Dot<T>(in a[(long)i * lda], in b[(long)j * ldb], k);
    }

    /// <summary>c = alpha · sum, or c += alpha · sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<T>(T sum, T alpha, ref float c, bool accumulate) where T : struct, ILanes<T> =>
        T.Store(accumulate ? T.MultiplyAdd(sum, alpha, T.Load(in c, 0)) : sum * alpha, ref c, 0);
}
