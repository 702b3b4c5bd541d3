using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>An elementwise function of two floats, written once per vector width (TensorPrimitives' pattern).</summary>
public interface IBinaryOperator
{
    float Invoke(float x, float y);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
    Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>An elementwise function of one float.</summary>
public interface IUnaryOperator
{
    float Invoke(float x);
    Vector256<float> Invoke(Vector256<float> x);
    Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>
/// The one driver for elementwise loops over contiguous spans: Vector512 where the CPU has AVX-512,
/// Vector256 otherwise, then a scalar tail. The loop z = x op y does four vectors per step, all loads before
/// the stores: when the output sits at the same address modulo 4 KiB as an input (equal-sized buffers
/// often do), a store followed at once by the load of the next vector stalls on a false dependency
/// ("4K aliasing"); four vectors per step avoid most of it (docs/kernels-fused.md).
/// The loops are compiled fully optimized on their first call (<c>AggressiveOptimization</c>), not
/// after the tiered JIT's delay, so the first steps of a run do not crawl through tier-0 loops; and never
/// inlined into their callers: a caller recompiled with profile guidance (tiered PGO) that inlined a loop
/// could run out of inlining budget for the operator inside it, which then becomes a call per vector,
/// many times slower.
/// An operation is a small struct implementing
/// <see cref="IBinaryOperator"/>; the JIT specializes the driver for each struct, so the operator is
/// inlined into the loop. Outputs may alias inputs exactly (same start), never partially.
/// Nothing here allocates.
/// </summary>
public static unsafe class Elementwise
{
    /// <summary>Below this many elements a loop runs on the calling thread: on larger spans two or more
    /// threads pay for their hand-off (a few microseconds) several times over.</summary>
    public const int ParallelThreshold = 1 << 15;

    /// <summary>y[i] = op(x[i]); large spans are split across threads.</summary>
    public static void Unary<TOp>(ReadOnlySpan<float> x, Span<float> y, TOp op) where TOp : struct, IUnaryOperator
    {
        if (x.Length < ParallelThreshold) { UnaryCore(x, y, op); return; }
        CheckLengths(x.Length, x.Length, y.Length);
        fixed (float* px = x, py = y) ParallelFor.Run(x.Length, ParallelThreshold / 2, new UnaryChunks<TOp>(px, py, op));
    }

    /// <summary>z[i] = op(x[i], y[i]); large spans are split across threads.</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, TOp op) where TOp : struct, IBinaryOperator
    {
        if (x.Length < ParallelThreshold) { BinaryCore(x, y, z, op); return; }
        CheckLengths(x.Length, y.Length, z.Length);
        fixed (float* px = x, py = y, pz = z) ParallelFor.Run(x.Length, ParallelThreshold / 2, new BinaryChunks<TOp>(px, py, pz, op, accumulate: false));
    }

    /// <summary>z[i] += op(x[i], y[i]); large spans are split across threads.</summary>
    public static void BinaryAccumulate<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, TOp op) where TOp : struct, IBinaryOperator
    {
        if (x.Length < ParallelThreshold) { BinaryAccumulateCore(x, y, z, op); return; }
        CheckLengths(x.Length, y.Length, z.Length);
        fixed (float* px = x, py = y, pz = z) ParallelFor.Run(x.Length, ParallelThreshold / 2, new BinaryChunks<TOp>(px, py, pz, op, accumulate: true));
    }

    // The chunk bodies hold raw pointers: the spans are pinned by the caller for the whole parallel loop.
    private readonly struct UnaryChunks<TOp>(float* x, float* y, TOp op) : IRangeAction where TOp : struct, IUnaryOperator
    {
        public void Invoke(int start, int end) => UnaryCore(new ReadOnlySpan<float>(x + start, end - start), new Span<float>(y + start, end - start), op);
    }

    private readonly struct BinaryChunks<TOp>(float* x, float* y, float* z, TOp op, bool accumulate) : IRangeAction where TOp : struct, IBinaryOperator
    {
        public void Invoke(int start, int end)
        {
            var xs = new ReadOnlySpan<float>(x + start, end - start);
            var ys = new ReadOnlySpan<float>(y + start, end - start);
            var zs = new Span<float>(z + start, end - start);
            if (accumulate) BinaryAccumulateCore(xs, ys, zs, op);
            else BinaryCore(xs, ys, zs, op);
        }
    }

    /// <summary>y[i] = op(x[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void UnaryCore<TOp>(ReadOnlySpan<float> x, Span<float> y, TOp op)
        where TOp : struct, IUnaryOperator
    {
        int n = CheckLengths(x.Length, x.Length, y.Length);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        nuint i = 0, count = (nuint)n;
        // One vector per step: a unary operator may be a long polynomial (exp), and four inlined copies of
        // it exceed the JIT's inlining budget, which then calls it out of line (several times slower).
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16) op.Invoke(Vector512.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8) op.Invoke(Vector256.LoadUnsafe(ref xr, i)).StoreUnsafe(ref yr, i);
        for (; i < count; i++) Unsafe.Add(ref yr, i) = op.Invoke(Unsafe.Add(ref xr, i));
    }

    /// <summary>z[i] = op(x[i], y[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void BinaryCore<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, TOp op)
        where TOp : struct, IBinaryOperator
    {
        int n = CheckLengths(x.Length, y.Length, z.Length);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        nuint i = 0, count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 64 <= count; i += 64)
            {
                Vector512<float> z0 = op.Invoke(Vector512.LoadUnsafe(ref xr, i), Vector512.LoadUnsafe(ref yr, i));
                Vector512<float> z1 = op.Invoke(Vector512.LoadUnsafe(ref xr, i + 16), Vector512.LoadUnsafe(ref yr, i + 16));
                Vector512<float> z2 = op.Invoke(Vector512.LoadUnsafe(ref xr, i + 32), Vector512.LoadUnsafe(ref yr, i + 32));
                Vector512<float> z3 = op.Invoke(Vector512.LoadUnsafe(ref xr, i + 48), Vector512.LoadUnsafe(ref yr, i + 48));
                z0.StoreUnsafe(ref zr, i); z1.StoreUnsafe(ref zr, i + 16); z2.StoreUnsafe(ref zr, i + 32); z3.StoreUnsafe(ref zr, i + 48);
            }
            for (; i + 16 <= count; i += 16)
                op.Invoke(Vector512.LoadUnsafe(ref xr, i), Vector512.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= count; i += 32)
            {
                Vector256<float> z0 = op.Invoke(Vector256.LoadUnsafe(ref xr, i), Vector256.LoadUnsafe(ref yr, i));
                Vector256<float> z1 = op.Invoke(Vector256.LoadUnsafe(ref xr, i + 8), Vector256.LoadUnsafe(ref yr, i + 8));
                Vector256<float> z2 = op.Invoke(Vector256.LoadUnsafe(ref xr, i + 16), Vector256.LoadUnsafe(ref yr, i + 16));
                Vector256<float> z3 = op.Invoke(Vector256.LoadUnsafe(ref xr, i + 24), Vector256.LoadUnsafe(ref yr, i + 24));
                z0.StoreUnsafe(ref zr, i); z1.StoreUnsafe(ref zr, i + 8); z2.StoreUnsafe(ref zr, i + 16); z3.StoreUnsafe(ref zr, i + 24);
            }
            for (; i + 8 <= count; i += 8)
                op.Invoke(Vector256.LoadUnsafe(ref xr, i), Vector256.LoadUnsafe(ref yr, i)).StoreUnsafe(ref zr, i);
        }
        for (; i < count; i++)
            Unsafe.Add(ref zr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    /// <summary>z[i] = op(x[i], y): the second operand broadcast; large spans are split across threads.</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> x, float y, Span<float> z, TOp op) where TOp : struct, IBinaryOperator
    {
        if (x.Length < ParallelThreshold) { BinaryScalarRightCore(x, y, z, op); return; }
        CheckLengths(x.Length, x.Length, z.Length);
        fixed (float* px = x, pz = z) ParallelFor.Run(x.Length, ParallelThreshold / 2, new ScalarChunks<TOp>(px, y, pz, op));
    }

    /// <summary>z[i] = op(x, y[i]): the first operand broadcast; the same loop as the second-operand form,
    /// with an operator that puts the operands back in order.</summary>
    public static void Binary<TOp>(float x, ReadOnlySpan<float> y, Span<float> z, TOp op) where TOp : struct, IBinaryOperator
        => Binary(y, x, z, new Flipped<TOp>(op));

    /// <summary>op with its operands swapped: Invoke(a, b) = op(b, a). Inlined like any operator struct.</summary>
    private readonly struct Flipped<TOp>(TOp op) : IBinaryOperator where TOp : struct, IBinaryOperator
    {
        public float Invoke(float x, float y) => op.Invoke(y, x);
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => op.Invoke(y, x);
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => op.Invoke(y, x);
    }

    private readonly struct ScalarChunks<TOp>(float* x, float y, float* z, TOp op) : IRangeAction where TOp : struct, IBinaryOperator
    {
        public void Invoke(int start, int end) =>
            BinaryScalarRightCore(new ReadOnlySpan<float>(x + start, end - start), y, new Span<float>(z + start, end - start), op);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void BinaryScalarRightCore<TOp>(ReadOnlySpan<float> x, float y, Span<float> z, TOp op)
        where TOp : struct, IBinaryOperator
    {
        int n = CheckLengths(x.Length, x.Length, z.Length);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float zr = ref MemoryMarshal.GetReference(z);
        nuint i = 0, count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
        {
            var yv = Vector512.Create(y);
            for (; i + 16 <= count; i += 16) op.Invoke(Vector512.LoadUnsafe(ref xr, i), yv).StoreUnsafe(ref zr, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var yv = Vector256.Create(y);
            for (; i + 8 <= count; i += 8) op.Invoke(Vector256.LoadUnsafe(ref xr, i), yv).StoreUnsafe(ref zr, i);
        }
        for (; i < count; i++) Unsafe.Add(ref zr, i) = op.Invoke(Unsafe.Add(ref xr, i), y);
    }

    /// <summary>z[i] += op(x[i], y[i]): the form of backward rules, which add into gradients.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void BinaryAccumulateCore<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> z, TOp op)
        where TOp : struct, IBinaryOperator
    {
        int n = CheckLengths(x.Length, y.Length, z.Length);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        nuint i = 0, count = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= count; i += 16)
                (Vector512.LoadUnsafe(ref zr, i) + op.Invoke(Vector512.LoadUnsafe(ref xr, i), Vector512.LoadUnsafe(ref yr, i))).StoreUnsafe(ref zr, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= count; i += 8)
                (Vector256.LoadUnsafe(ref zr, i) + op.Invoke(Vector256.LoadUnsafe(ref xr, i), Vector256.LoadUnsafe(ref yr, i))).StoreUnsafe(ref zr, i);
        for (; i < count; i++)
            Unsafe.Add(ref zr, i) += op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i));
    }

    private static int CheckLengths(int x, int y, int z)
    {
        if (x != y || x != z) throw new ArgumentException($"Elementwise: span lengths {x}, {y} and {z} differ");
        return x;
    }
}
