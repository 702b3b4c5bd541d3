using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// A GEMM micro-kernel: the innermost loop of the blocked algorithm. It multiplies one packed
/// MR×kc sliver of A by one packed kc×NR sliver of B, keeping the whole MR×NR tile of C in
/// registers for all kc steps, and touches C in memory only once at the end.
/// </summary>
/// <remarks>
/// Packed layouts (see <see cref="GemmPacking"/>): A sliver is kc groups of MR values (column p of the
/// sliver, rows 0..MR−1), B sliver is kc groups of NR values (row p, columns 0..NR−1). Each step p is an
/// outer product: MR broadcasts of A times NR/width vector loads of B, MR·NR/width FMAs.
/// The tile is sized so that accumulators + B vectors + one broadcast fill the register file
/// (Van Zee &amp; van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS Functionality", 2015;
/// Low et al., "Analytical Modeling Is Enough for High-Performance BLIS", 2016).
/// Static abstract members let the driver be specialized per kernel: MR and NR fold to constants.
/// </remarks>
internal interface IGemmMicroKernel
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile.</summary>
    static abstract int NR { get; }

    /// <summary>Whether this CPU can run the kernel.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>C[0..MR, 0..NR] = alpha · (A sliver · B sliver) + beta · C, with row stride ldc.
    /// beta = 0 writes C without reading it (NaN in C is ignored).</summary>
    static abstract unsafe void Tile<TA>(int kc, TA a, float* b, float* c, int ldc, float alpha, float beta) where TA : struct, IASliver;
}

/// <summary>Where a micro-kernel reads its MR values of A for step p: <c>Row(i)</c> is op(A)[i, p] of the
/// sliver, and <c>Step()</c> moves on to p + 1. The kernels are generic over it, so each form compiles to
/// its own loop with the reads inlined.</summary>
internal interface IASliver
{
    float Row(int i);
    void Step();
}

/// <summary>A packed sliver of Ã: for each p, MR consecutive values.</summary>
internal unsafe struct PackedASliver(float* a, int mr) : IASliver
{
    private float* a = a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Row(int i) => a[i];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step() => a += mr;
}

/// <summary>MR rows of a row-major A read where they are (element (i, p) at a[i·lda + p]): for a product
/// with few columns, where the copy into Ã would cost more than it saves. Every one of the MR rows must
/// exist; a partial sliver at the bottom edge is packed instead.</summary>
internal unsafe struct UnpackedASliver(float* a, long lda) : IASliver
{
    private float* a = a;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Row(int i) => a[i * lda];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step() => a++;
}

/// <summary>6×16 tile on AVX2 + FMA: 12 accumulators, 2 vectors of B, 1 broadcast of A = 15 of the 16
/// ymm registers. 12 independent FMA chains hide the 4-cycle FMA latency on two FMA pipes.</summary>
internal readonly struct Avx2Kernel6x16 : IGemmMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static bool IsSupported => Fma.IsSupported && Avx.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static unsafe void Tile<TA>(int kc, TA a, float* b, float* c, int ldc, float alpha, float beta) where TA : struct, IASliver
    {
        // Ask for C's rows now, so they arrive while the FMAs run rather than when the tile is written.
        for (int i = 0; i < 6; i++)
        {
            Sse.Prefetch0(c + (long)i * ldc);
            Sse.Prefetch0(c + (long)i * ldc + 15);
        }
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Avx.LoadAlignedVector256(b);
            Vector256<float> b1 = Avx.LoadAlignedVector256(b + 8);
            Vector256<float> ai = Vector256.Create(a.Row(0));
            c00 = Fma.MultiplyAdd(ai, b0, c00); c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a.Row(1));
            c10 = Fma.MultiplyAdd(ai, b0, c10); c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a.Row(2));
            c20 = Fma.MultiplyAdd(ai, b0, c20); c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a.Row(3));
            c30 = Fma.MultiplyAdd(ai, b0, c30); c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a.Row(4));
            c40 = Fma.MultiplyAdd(ai, b0, c40); c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a.Row(5));
            c50 = Fma.MultiplyAdd(ai, b0, c50); c51 = Fma.MultiplyAdd(ai, b1, c51);
            a.Step();
            b += 16;
        }
        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            (c00 * va).Store(c); (c01 * va).Store(c + 8); c += ldc;
            (c10 * va).Store(c); (c11 * va).Store(c + 8); c += ldc;
            (c20 * va).Store(c); (c21 * va).Store(c + 8); c += ldc;
            (c30 * va).Store(c); (c31 * va).Store(c + 8); c += ldc;
            (c40 * va).Store(c); (c41 * va).Store(c + 8); c += ldc;
            (c50 * va).Store(c); (c51 * va).Store(c + 8);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            Update(c, c00, c01, va, vb); c += ldc;
            Update(c, c10, c11, va, vb); c += ldc;
            Update(c, c20, c21, va, vb); c += ldc;
            Update(c, c30, c31, va, vb); c += ldc;
            Update(c, c40, c41, va, vb); c += ldc;
            Update(c, c50, c51, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> va, Vector256<float> vb)
    {
        Fma.MultiplyAdd(x0, va, Vector256.Load(c) * vb).Store(c);
        Fma.MultiplyAdd(x1, va, Vector256.Load(c + 8) * vb).Store(c + 8);
    }
}

/// <summary>6×32 tile on AVX-512: the same shape as the AVX2 kernel at twice the width, 12 of the 32 zmm
/// registers as accumulators. Written with the portable Vector512 API, which compiles to AVX-512 FMAs where
/// the CPU has them and falls back to (slow, correct) software elsewhere — so the tests run it everywhere.</summary>
internal readonly struct Avx512Kernel6x32 : IGemmMicroKernel
{
    public static int MR => 6;
    public static int NR => 32;
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static unsafe void Tile<TA>(int kc, TA a, float* b, float* c, int ldc, float alpha, float beta) where TA : struct, IASliver
    {
        for (int i = 0; i < 6 && Sse.IsSupported; i++)
        {
            Sse.Prefetch0(c + (long)i * ldc);
            Sse.Prefetch0(c + (long)i * ldc + 31);
        }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.LoadAligned(b);
            Vector512<float> b1 = Vector512.LoadAligned(b + 16);
            Vector512<float> ai = Vector512.Create(a.Row(0));
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a.Row(1));
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a.Row(2));
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a.Row(3));
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a.Row(4));
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a.Row(5));
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            a.Step();
            b += 32;
        }
        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (c00 * va).Store(c); (c01 * va).Store(c + 16); c += ldc;
            (c10 * va).Store(c); (c11 * va).Store(c + 16); c += ldc;
            (c20 * va).Store(c); (c21 * va).Store(c + 16); c += ldc;
            (c30 * va).Store(c); (c31 * va).Store(c + 16); c += ldc;
            (c40 * va).Store(c); (c41 * va).Store(c + 16); c += ldc;
            (c50 * va).Store(c); (c51 * va).Store(c + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            Update(c, c00, c01, va, vb); c += ldc;
            Update(c, c10, c11, va, vb); c += ldc;
            Update(c, c20, c21, va, vb); c += ldc;
            Update(c, c30, c31, va, vb); c += ldc;
            Update(c, c40, c41, va, vb); c += ldc;
            Update(c, c50, c51, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> va, Vector512<float> vb)
    {
        Vector512.FusedMultiplyAdd(x0, va, Vector512.Load(c) * vb).Store(c);
        Vector512.FusedMultiplyAdd(x1, va, Vector512.Load(c + 16) * vb).Store(c + 16);
    }
}

/// <summary>Portable fallback for CPUs without AVX2: a 4×4 tile accumulated in a small stack array,
/// one fused multiply-add per product like the SIMD kernels. Correct everywhere, fast nowhere.</summary>
internal readonly struct ScalarKernel4x4 : IGemmMicroKernel
{
    public static int MR => 4;
    public static int NR => 4;
    public static bool IsSupported => true;

    public static unsafe void Tile<TA>(int kc, TA a, float* b, float* c, int ldc, float alpha, float beta) where TA : struct, IASliver
    {
        float* acc = stackalloc float[16];
        for (int i = 0; i < 16; i++) acc[i] = 0f;
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                float ai = a.Row(i);
                acc[i * 4 + 0] = MathF.FusedMultiplyAdd(ai, b[0], acc[i * 4 + 0]);
                acc[i * 4 + 1] = MathF.FusedMultiplyAdd(ai, b[1], acc[i * 4 + 1]);
                acc[i * 4 + 2] = MathF.FusedMultiplyAdd(ai, b[2], acc[i * 4 + 2]);
                acc[i * 4 + 3] = MathF.FusedMultiplyAdd(ai, b[3], acc[i * 4 + 3]);
            }
            a.Step();
            b += 4;
        }
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                ref float cij = ref c[i * ldc + j];
                cij = beta == 0f ? alpha * acc[i * 4 + j] : alpha * acc[i * 4 + j] + beta * cij;
            }
        }
    }
}
