using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

/// <summary>
/// The loops the row kernels share: a reduction or a map over one row of <c>n</c> floats, a register at a
/// time, then the last <c>n mod Count</c> floats one at a time with the same formula (<see cref="Lanes1"/>).
/// Rows of a small GPT (128 to 3072 floats) stay in L1 cache, so a kernel may pass over its row several
/// times; what costs is the arithmetic, which is why the exponentials are fused into the passes.
/// Each of these loops is its own fully optimized method (one call per row is nothing) rather than inlined: the
/// JIT's inlining budget runs out on a kernel that inlines several loops of inlined exp polynomials, and
/// what is left over then runs as unoptimized code, an order of magnitude slower.
/// </summary>
internal static class RowMath
{
    /// <summary>Elements of work below which a kernel does not fan out to another core: below it the
    /// hand-off to a worker (a few microseconds) costs about as much as the work.</summary>
    public const int MinElementsPerTask = 1 << 14;

    /// <summary>Rows per task so each task has at least <see cref="MinElementsPerTask"/> elements.</summary>
    public static int RowsPerTask(int cols) => Math.Max(1, MinElementsPerTask / Math.Max(1, cols));

    /// <summary>True where the fastest lane width available is 512 bits (AVX-512).</summary>
    public static bool Use512 => Vector512.IsHardwareAccelerated;

    /// <summary>True where 256-bit lanes are the fastest available (AVX2).</summary>
    public static bool Use256 => !Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated;

    /// <summary>True where 128-bit lanes are the fastest available (NEON on ARM64, SSE without AVX2).</summary>
    public static bool Use128 => !Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated;

    /// <summary>Runs <paramref name="range"/> over [0, count) across cores (see <see cref="ParallelFor"/>),
    /// compiled for the widest lanes this CPU accelerates.</summary>
    public static void ParallelLanes<TRange>(int count, int minPerTask, TRange range) where TRange : struct, ILaneRange
        => ParallelFor.Run(count, minPerTask, new WidestLanes<TRange>(range));

    /// <summary>Adapts a lane-generic loop to <see cref="ParallelFor"/>: the one place that picks the lane width.</summary>
    private readonly struct WidestLanes<TRange>(TRange range) : IRangeAction where TRange : struct, ILaneRange
    {
        public void Invoke(int start, int end)
        {
            if (Use512) range.Run<Lanes512>(start, end);
            else if (Use256) range.Run<Lanes256>(start, end);
            else if (Use128) range.Run<Lanes128>(start, end);
            else range.Run<Lanes1>(start, end);
        }
    }

    /// <summary>Throws, naming the kernel and the argument, unless <paramref name="length"/> ≥ <paramref name="needed"/>.</summary>
    public static void RequireLength(int length, long needed, string kernel, string name)
    {
        if (length < needed)
            throw new ArgumentException($"{kernel}: {name} has {length} elements, needs at least {needed}.", name);
    }

    public static void RequireShape(int rows, int cols, string kernel)
    {
        if (rows < 0 || cols <= 0)
            throw new ArgumentException($"{kernel}: invalid shape [{rows}, {cols}] (rows ≥ 0, cols ≥ 1).");
    }

    /// <summary>The element <paramref name="index"/> places after <paramref name="origin"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float At(ref readonly float origin, int index) => Unsafe.Add(ref Unsafe.AsRef(in origin), index);

    /// <summary>A reference to the element <paramref name="index"/> places after <paramref name="origin"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float AtRef(ref float origin, int index) => ref Unsafe.Add(ref origin, index);

    /// <summary>max over the row. A NaN may be dropped here (maxps keeps one operand); the sum of
    /// exponentials that every caller computes next carries it into the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static float Max<T>(ref readonly float x, int n) where T : struct, ILanes<T>
    {
        int i = 0;
        Lanes1 max = Lanes1.Broadcast(float.NegativeInfinity);
        if (n >= 2 * T.Count)
        {
            // Two accumulators: maxps has a latency of several cycles, two chains hide it.
            T m0 = T.Load(in x, 0), m1 = T.Load(in x, T.Count);
            for (i = 2 * T.Count; i <= n - 2 * T.Count; i += 2 * T.Count)
            {
                m0 = T.Max(m0, T.Load(in x, i));
                m1 = T.Max(m1, T.Load(in x, i + T.Count));
            }
            max = Lanes1.Broadcast(T.MaxAcross(T.Max(m0, m1)));
        }
        for (; i < n; i++) max = Lanes1.Max(max, Lanes1.Load(in x, i));
        return max.Value;
    }

    /// <summary>Σ x over the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static float Sum<T>(ref readonly float x, int n) where T : struct, ILanes<T>
    {
        int i = 0;
        float sum = 0f;
        if (n >= T.Count)
        {
            T s = T.Broadcast(0f);
            for (; i <= n - T.Count; i += T.Count) s += T.Load(in x, i);
            sum = T.Sum(s);
        }
        for (; i < n; i++) sum += Unsafe.Add(ref Unsafe.AsRef(in x), i);
        return sum;
    }

    /// <summary>Σ x·y over the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static float Dot<T>(ref readonly float x, ref readonly float y, int n) where T : struct, ILanes<T>
    {
        int i = 0;
        float sum = 0f;
        if (n >= T.Count)
        {
            T s = T.Broadcast(0f);
            for (; i <= n - T.Count; i += T.Count) s = T.MultiplyAdd(T.Load(in x, i), T.Load(in y, i), s);
            sum = T.Sum(s);
        }
        for (; i < n; i++) sum += Unsafe.Add(ref Unsafe.AsRef(in x), i) * Unsafe.Add(ref Unsafe.AsRef(in y), i);
        return sum;
    }

    /// <summary>e = exp(x − shift), stored into <paramref name="e"/>; returns Σ e.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static float ExpShiftedStore<T>(ref readonly float x, ref float e, int n, float shift) where T : struct, ILanes<T>
    {
        int i = 0;
        float sum = 0f;
        if (n >= T.Count)
        {
            T s = T.Broadcast(0f), by = T.Broadcast(shift);
            for (; i <= n - T.Count; i += T.Count)
            {
                T v = FastMath.Exp(T.Load(in x, i) - by);
                T.Store(v, ref e, i);
                s += v;
            }
            sum = T.Sum(s);
        }
        for (; i < n; i++)
        {
            Lanes1 v = FastMath.Exp(Lanes1.Load(in x, i) - Lanes1.Broadcast(shift));
            Lanes1.Store(v, ref e, i);
            sum += v.Value;
        }
        return sum;
    }

    /// <summary>Σ exp(x − shift) over the row, nothing stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static float ExpShiftedSum<T>(ref readonly float x, int n, float shift) where T : struct, ILanes<T>
    {
        int i = 0;
        float sum = 0f;
        if (n >= T.Count)
        {
            T s = T.Broadcast(0f), by = T.Broadcast(shift);
            for (; i <= n - T.Count; i += T.Count) s += FastMath.Exp(T.Load(in x, i) - by);
            sum = T.Sum(s);
        }
        for (; i < n; i++) sum += FastMath.Exp(Lanes1.Load(in x, i) - Lanes1.Broadcast(shift)).Value;
        return sum;
    }

    /// <summary>y = x · scale + shift over the row (y may be x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void ScaleShift<T>(ref readonly float x, ref float y, int n, float scale, float shift) where T : struct, ILanes<T>
    {
        int i = 0;
        T s = T.Broadcast(scale), b = T.Broadcast(shift);
        for (; i <= n - T.Count; i += T.Count) T.Store(T.MultiplyAdd(T.Load(in x, i), s, b), ref y, i);
        for (; i < n; i++)
            Lanes1.Store(Lanes1.MultiplyAdd(Lanes1.Load(in x, i), Lanes1.Broadcast(scale), Lanes1.Broadcast(shift)), ref y, i);
    }

    /// <summary>y += x · scale over the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void AddScaled<T>(ref readonly float x, ref float y, int n, float scale) where T : struct, ILanes<T>
    {
        int i = 0;
        T s = T.Broadcast(scale);
        for (; i <= n - T.Count; i += T.Count) T.Store(T.MultiplyAdd(T.Load(in x, i), s, T.Load(in y, i)), ref y, i);
        for (; i < n; i++)
            Lanes1.Store(Lanes1.MultiplyAdd(Lanes1.Load(in x, i), Lanes1.Broadcast(scale), Lanes1.Load(in y, i)), ref y, i);
    }
}

/// <summary>A loop over [start, end) written once for every lane width; <see cref="RowMath.ParallelLanes"/>
/// runs it across cores with the widest lanes available.</summary>
internal interface ILaneRange
{
    void Run<T>(int start, int end) where T : struct, ILanes<T>;
}
