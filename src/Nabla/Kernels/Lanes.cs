using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nabla.Kernels;

/// <summary>
/// A SIMD register of float lanes. The fused kernels (softmax, cross-entropy, layer norm, GELU) are
/// written once, generic over this interface, and the JIT specializes each for <see cref="Lanes512"/>
/// (AVX-512), <see cref="Lanes256"/> (AVX2), <see cref="Lanes128"/> (NEON, SSE) and <see cref="Lanes1"/> (one float: the scalar fallback and
/// the tail of every row), exactly as if each had been written by hand. Static abstract members cost
/// nothing at run time: with a struct type argument every call is resolved and inlined.
/// </summary>
internal interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
{
    /// <summary>How many floats one register holds.</summary>
    static abstract int Count { get; }

    /// <summary>Reads <see cref="Count"/> floats starting at <c>origin + index</c> (no bounds check: the
    /// caller's loop guarantees them).</summary>
    static abstract TSelf Load(ref readonly float origin, int index);
    static abstract void Store(TSelf value, ref float origin, int index);
    static abstract TSelf Broadcast(float value);

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary>a · b + c in one instruction (and one rounding) where the hardware has FMA.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>Lane-wise max and min. When either lane is NaN the result is the lane of <paramref name="b"/>,
    /// as x86's maxps/minps do: callers pass the data second so NaN propagates.</summary>
    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf Min(TSelf a, TSelf b);

    static abstract TSelf Abs(TSelf a);

    /// <summary>Round to the nearest integer, ties to even.</summary>
    static abstract TSelf Round(TSelf a);

    /// <summary>x · 2ⁿ for integral n in [−126, 127], by adding n to the exponent bits.</summary>
    static abstract TSelf ScaleByPowerOfTwo(TSelf x, TSelf n);

    /// <summary>Per lane: <paramref name="ifLess"/> where a &lt; b, otherwise <paramref name="otherwise"/>.</summary>
    static abstract TSelf SelectWhereLess(TSelf a, TSelf b, TSelf ifLess, TSelf otherwise);

    /// <summary>Per lane: <paramref name="ifNegative"/> where <paramref name="a"/>'s sign bit is set (−0 counts as
    /// negative), otherwise <paramref name="otherwise"/>. One blend on x86, which reads the sign bit itself,
    /// where <see cref="SelectWhereLess"/> must first compare.</summary>
    static abstract TSelf SelectWhereNegative(TSelf a, TSelf ifNegative, TSelf otherwise);

    /// <summary>The sum of all lanes.</summary>
    static abstract float Sum(TSelf v);

    /// <summary>The largest lane.</summary>
    static abstract float MaxAcross(TSelf v);
}

/// <summary>Sixteen floats (AVX-512).</summary>
internal readonly struct Lanes512(Vector512<float> v) : ILanes<Lanes512>
{
    private readonly Vector512<float> vector = v;

    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref readonly float origin, int index) => new(Vector512.LoadUnsafe(in origin, (nuint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes512 lanes, ref float origin, int index) => lanes.vector.StoreUnsafe(ref origin, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Broadcast(float value) => new(Vector512.Create(value));
    public static Lanes512 operator +(Lanes512 a, Lanes512 b) => new(a.vector + b.vector);
    public static Lanes512 operator -(Lanes512 a, Lanes512 b) => new(a.vector - b.vector);
    public static Lanes512 operator *(Lanes512 a, Lanes512 b) => new(a.vector * b.vector);
    public static Lanes512 operator /(Lanes512 a, Lanes512 b) => new(a.vector / b.vector);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 MultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.MultiplyAddEstimate(a.vector, b.vector, c.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Max(Lanes512 a, Lanes512 b) => new(Vector512.MaxNative(a.vector, b.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Min(Lanes512 a, Lanes512 b) => new(Vector512.MinNative(a.vector, b.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Abs(Lanes512 a) => new(Vector512.Abs(a.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Round(Lanes512 a) => new(Vector512.Round(a.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 ScaleByPowerOfTwo(Lanes512 x, Lanes512 n) =>
        new((x.vector.AsInt32() + Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n.vector), 23)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 SelectWhereLess(Lanes512 a, Lanes512 b, Lanes512 ifLess, Lanes512 otherwise) =>
        new(Vector512.ConditionalSelect(Vector512.LessThan(a.vector, b.vector), ifLess.vector, otherwise.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 SelectWhereNegative(Lanes512 a, Lanes512 ifNegative, Lanes512 otherwise) =>
        new(Vector512.ConditionalSelect(Vector512.IsNegative(a.vector), ifNegative.vector, otherwise.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes512 v) => Vector512.Sum(v.vector);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Lanes512 v) =>
        Lanes256.MaxAcross(new Lanes256(Vector256.MaxNative(v.vector.GetLower(), v.vector.GetUpper())));
}

/// <summary>Eight floats (AVX2; the fast path on this project's reference machine).</summary>
internal readonly struct Lanes256(Vector256<float> v) : ILanes<Lanes256>
{
    private readonly Vector256<float> vector = v;

    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref readonly float origin, int index) => new(Vector256.LoadUnsafe(in origin, (nuint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes256 lanes, ref float origin, int index) => lanes.vector.StoreUnsafe(ref origin, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Broadcast(float value) => new(Vector256.Create(value));
    public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a.vector + b.vector);
    public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(a.vector - b.vector);
    public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a.vector * b.vector);
    public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(a.vector / b.vector);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 MultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.MultiplyAddEstimate(a.vector, b.vector, c.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Max(Lanes256 a, Lanes256 b) => new(Vector256.MaxNative(a.vector, b.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Min(Lanes256 a, Lanes256 b) => new(Vector256.MinNative(a.vector, b.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Abs(Lanes256 a) => new(Vector256.Abs(a.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Round(Lanes256 a) => new(Vector256.Round(a.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 ScaleByPowerOfTwo(Lanes256 x, Lanes256 n) =>
        new((x.vector.AsInt32() + Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n.vector), 23)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 SelectWhereLess(Lanes256 a, Lanes256 b, Lanes256 ifLess, Lanes256 otherwise) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(a.vector, b.vector), ifLess.vector, otherwise.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 SelectWhereNegative(Lanes256 a, Lanes256 ifNegative, Lanes256 otherwise) =>
        new(Avx.IsSupported ? Avx.BlendVariable(otherwise.vector, ifNegative.vector, a.vector)
            : Vector256.ConditionalSelect(Vector256.IsNegative(a.vector), ifNegative.vector, otherwise.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes256 v) => Vector256.Sum(v.vector);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Lanes256 v)
    {
        Vector128<float> m = Vector128.MaxNative(v.vector.GetLower(), v.vector.GetUpper());
        return MathF.Max(MathF.Max(m[0], m[1]), MathF.Max(m[2], m[3]));
    }
}

/// <summary>Four floats (NEON on ARM64, SSE on x86 without AVX2).</summary>
internal readonly struct Lanes128(Vector128<float> v) : ILanes<Lanes128>
{
    private readonly Vector128<float> vector = v;

    public static int Count => Vector128<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Load(ref readonly float origin, int index) => new(Vector128.LoadUnsafe(in origin, (nuint)index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes128 lanes, ref float origin, int index) => lanes.vector.StoreUnsafe(ref origin, (nuint)index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Broadcast(float value) => new(Vector128.Create(value));
    public static Lanes128 operator +(Lanes128 a, Lanes128 b) => new(a.vector + b.vector);
    public static Lanes128 operator -(Lanes128 a, Lanes128 b) => new(a.vector - b.vector);
    public static Lanes128 operator *(Lanes128 a, Lanes128 b) => new(a.vector * b.vector);
    public static Lanes128 operator /(Lanes128 a, Lanes128 b) => new(a.vector / b.vector);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 MultiplyAdd(Lanes128 a, Lanes128 b, Lanes128 c) => new(Vector128.MultiplyAddEstimate(a.vector, b.vector, c.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Max(Lanes128 a, Lanes128 b) => new(Vector128.MaxNative(a.vector, b.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Min(Lanes128 a, Lanes128 b) => new(Vector128.MinNative(a.vector, b.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Abs(Lanes128 a) => new(Vector128.Abs(a.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Round(Lanes128 a) => new(Vector128.Round(a.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 ScaleByPowerOfTwo(Lanes128 x, Lanes128 n) =>
        new((x.vector.AsInt32() + Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n.vector), 23)).AsSingle());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 SelectWhereLess(Lanes128 a, Lanes128 b, Lanes128 ifLess, Lanes128 otherwise) =>
        new(Vector128.ConditionalSelect(Vector128.LessThan(a.vector, b.vector), ifLess.vector, otherwise.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 SelectWhereNegative(Lanes128 a, Lanes128 ifNegative, Lanes128 otherwise) =>
        new(Sse41.IsSupported ? Sse41.BlendVariable(otherwise.vector, ifNegative.vector, a.vector)
            : Vector128.ConditionalSelect(Vector128.IsNegative(a.vector), ifNegative.vector, otherwise.vector));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes128 v) => Vector128.Sum(v.vector);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Lanes128 v) => MathF.Max(MathF.Max(v.vector[0], v.vector[1]), MathF.Max(v.vector[2], v.vector[3]));
}

/// <summary>One float: the scalar fallback, and the tail of a row shorter than a register.</summary>
internal readonly struct Lanes1(float v) : ILanes<Lanes1>
{
    private readonly float value = v;

    public float Value => value;
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Load(ref readonly float origin, int index) => new(Unsafe.Add(ref Unsafe.AsRef(in origin), index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes1 lanes, ref float origin, int index) => Unsafe.Add(ref origin, index) = lanes.value;
    public static Lanes1 Broadcast(float scalar) => new(scalar);
    public static Lanes1 operator +(Lanes1 a, Lanes1 b) => new(a.value + b.value);
    public static Lanes1 operator -(Lanes1 a, Lanes1 b) => new(a.value - b.value);
    public static Lanes1 operator *(Lanes1 a, Lanes1 b) => new(a.value * b.value);
    public static Lanes1 operator /(Lanes1 a, Lanes1 b) => new(a.value / b.value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 MultiplyAdd(Lanes1 a, Lanes1 b, Lanes1 c) => new(float.MultiplyAddEstimate(a.value, b.value, c.value));
    // NaN in b wins, as with maxps/minps; MathF.Max would also let a NaN in a win, which costs nothing here.
    public static Lanes1 Max(Lanes1 a, Lanes1 b) => new(float.IsNaN(b.value) ? b.value : MathF.Max(a.value, b.value));
    public static Lanes1 Min(Lanes1 a, Lanes1 b) => new(float.IsNaN(b.value) ? b.value : MathF.Min(a.value, b.value));
    public static Lanes1 Abs(Lanes1 a) => new(MathF.Abs(a.value));
    public static Lanes1 Round(Lanes1 a) => new(MathF.Round(a.value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 ScaleByPowerOfTwo(Lanes1 x, Lanes1 n) =>
        new(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x.value) + ((int)n.value << 23)));
    public static Lanes1 SelectWhereLess(Lanes1 a, Lanes1 b, Lanes1 ifLess, Lanes1 otherwise) => a.value < b.value ? ifLess : otherwise;
    public static Lanes1 SelectWhereNegative(Lanes1 a, Lanes1 ifNegative, Lanes1 otherwise) => float.IsNegative(a.value) ? ifNegative : otherwise;
    public static float Sum(Lanes1 v) => v.value;
    public static float MaxAcross(Lanes1 v) => v.value;
}
