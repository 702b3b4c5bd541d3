using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nabla.Kernels;

// The operators of the elementwise driver. Forward operators compute a value; backward operators
// compute one input's share of the gradient from the output gradient dy and one saved value (the
// driver's BinaryAccumulate adds it into the gradient).

public readonly struct AddOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x + y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
}

public readonly struct SubtractOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x - y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x - y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x - y;
}

public readonly struct MultiplyOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x * y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x * y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x * y;
}

public readonly struct DivideOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x / y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x / y;
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x / y;
}

/// <summary>max(x, y), propagating NaN as PyTorch's maximum does.</summary>
public readonly struct MaximumOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => MathF.Max(x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.Max(x, y);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Max(x, y);
}

public readonly struct MinimumOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => MathF.Min(x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => Vector256.Min(x, y);
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => Vector512.Min(x, y);
}

/// <summary>ln x.</summary>
public readonly struct LogOperator : IUnaryOperator
{
    public float Invoke(float x) => MathF.Log(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Log(x);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Log(x);
}

/// <summary>√x.</summary>
public readonly struct SqrtOperator : IUnaryOperator
{
    public float Invoke(float x) => MathF.Sqrt(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Sqrt(x);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Sqrt(x);
}

/// <summary>|x|.</summary>
public readonly struct AbsOperator : IUnaryOperator
{
    public float Invoke(float x) => MathF.Abs(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Abs(x);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Abs(x);
}

/// <summary>x^y lane by lane: a negative base with an integer exponent must stay exact, so no exp(y·log x).</summary>
public readonly struct PowOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => MathF.Pow(x, y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y)
    {
        Span<float> lanes = stackalloc float[Vector256<float>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = MathF.Pow(x[i], y[i]);
        return Vector256.Create<float>(lanes);
    }
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y)
    {
        Span<float> lanes = stackalloc float[Vector512<float>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = MathF.Pow(x[i], y[i]);
        return Vector512.Create<float>(lanes);
    }
}

/// <summary>(xᵖ)'·dy = dy · p · xᵖ⁻¹, lane by lane for the same reason as <see cref="PowOperator"/>.</summary>
internal readonly struct PowBackwardOperator(float p) : IBinaryOperator
{
    public float Invoke(float dy, float x) => dy * p * MathF.Pow(x, p - 1f);
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> x) => dy * Vector256.Create(p) * new PowOperator().Invoke(x, Vector256.Create(p - 1f));
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> x) => dy * Vector512.Create(p) * new PowOperator().Invoke(x, Vector512.Create(p - 1f));
}

/// <summary>min(max(x, lo), hi).</summary>
public readonly struct ClampOperator(float lo, float hi) : IUnaryOperator
{
    public float Invoke(float x) => MathF.Min(MathF.Max(x, lo), hi);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Min(Vector256.Max(x, Vector256.Create(lo)), Vector256.Create(hi));
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Min(Vector512.Max(x, Vector512.Create(lo)), Vector512.Create(hi));
}

/// <summary>max(x, 0); relu(NaN) is NaN, as in PyTorch (MathF.Max, like Vector.Max, propagates NaN).</summary>
public readonly struct ReluOperator : IUnaryOperator
{
    public float Invoke(float x) => MathF.Max(x, 0f);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);
}

/// <summary>relu'·dy from the output y = relu(x): the gradient is stopped where y ≤ 0 and passes elsewhere,
/// NaN included (PyTorch's threshold_backward); 0 at x = 0.</summary>
internal readonly struct ReluBackwardOperator : IBinaryOperator
{
    public float Invoke(float dy, float y) => y <= 0f ? 0f : dy;
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.LessThanOrEqual(y, Vector256<float>.Zero), Vector256<float>.Zero, dy);
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> y) =>
        Vector512.ConditionalSelect(Vector512.LessThanOrEqual(y, Vector512<float>.Zero), Vector512<float>.Zero, dy);
}

/// <summary>tanh'·dy = (1 − y²)·dy, from the output y = tanh(x).</summary>
internal readonly struct TanhBackwardOperator : IBinaryOperator
{
    public float Invoke(float dy, float y) => dy * (1f - y * y);
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> y) => dy * (Vector256<float>.One - y * y);
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> y) => dy * (Vector512<float>.One - y * y);
}

/// <summary>σ'·dy = y(1 − y)·dy, from the output y = σ(x).</summary>
internal readonly struct SigmoidBackwardOperator : IBinaryOperator
{
    public float Invoke(float dy, float y) => dy * y * (1f - y);
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> y) => dy * y * (Vector256<float>.One - y);
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> y) => dy * y * (Vector512<float>.One - y);
}

/// <summary>(√x)'·dy = dy / (2y), from the output y = √x.</summary>
internal readonly struct SqrtBackwardOperator : IBinaryOperator
{
    public float Invoke(float dy, float y) => 0.5f * dy / y;
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> y) => Vector256.Create(0.5f) * dy / y;
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> y) => Vector512.Create(0.5f) * dy / y;
}

/// <summary>|x|'·dy = sign(x)·dy (0 at x = 0, as PyTorch).</summary>
internal readonly struct AbsBackwardOperator : IBinaryOperator
{
    public float Invoke(float dy, float x) => x > 0f ? dy : x < 0f ? -dy : 0f;
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy,
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), -dy, Vector256<float>.Zero));
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), dy,
            Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), -dy, Vector512<float>.Zero));
}

/// <summary>The gradient of clamp passes where lo ≤ x ≤ hi (both ends included, as PyTorch).</summary>
internal readonly struct ClampBackwardOperator(float lo, float hi) : IBinaryOperator
{
    public float Invoke(float dy, float x) => x >= lo && x <= hi ? dy : 0f;
    public Vector256<float> Invoke(Vector256<float> dy, Vector256<float> x) =>
        Vector256.ConditionalSelect(
            Vector256.GreaterThanOrEqual(x, Vector256.Create(lo)) & Vector256.LessThanOrEqual(x, Vector256.Create(hi)),
            dy, Vector256<float>.Zero);
    public Vector512<float> Invoke(Vector512<float> dy, Vector512<float> x) =>
        Vector512.ConditionalSelect(
            Vector512.GreaterThanOrEqual(x, Vector512.Create(lo)) & Vector512.LessThanOrEqual(x, Vector512.Create(hi)),
            dy, Vector512<float>.Zero);
}

/// <summary>
/// The share of the gradient of max(x, y) that goes to x: 0 where y is larger, ½ on a tie (PyTorch splits
/// it evenly), 1 otherwise, NaN on either side included (PyTorch sends the whole gradient to both operands
/// of a NaN). For y's share, and for min(x, y), call it with the operands swapped.
/// </summary>
internal readonly struct WinnerShareOperator : IBinaryOperator
{
    public float Invoke(float x, float y) => x < y ? 0f : x == y ? 0.5f : 1f;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, y), Vector256<float>.Zero,
            Vector256.ConditionalSelect(Vector256.Equals(x, y), Vector256.Create(0.5f), Vector256<float>.One));
    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, y), Vector512<float>.Zero,
            Vector512.ConditionalSelect(Vector512.Equals(x, y), Vector512.Create(0.5f), Vector512<float>.One));
}

/// <summary>The comparisons: 1 where the relation holds, 0 elsewhere (NaN compares false, except for ≠).</summary>
public enum Comparison { Equal, NotEqual, Greater, GreaterOrEqual, Less, LessOrEqual }

public readonly struct CompareOperator(Comparison relation) : IBinaryOperator
{
    public float Invoke(float x, float y) => relation switch
    {
        Comparison.Equal => x == y,
        Comparison.NotEqual => x != y,
        Comparison.Greater => x > y,
        Comparison.GreaterOrEqual => x >= y,
        Comparison.Less => x < y,
        _ => x <= y,
    } ? 1f : 0f;

    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y)
    {
        Vector256<float> mask = relation switch
        {
            Comparison.Equal => Vector256.Equals(x, y),
            Comparison.NotEqual => ~Vector256.Equals(x, y),
            Comparison.Greater => Vector256.GreaterThan(x, y),
            Comparison.GreaterOrEqual => Vector256.GreaterThanOrEqual(x, y),
            Comparison.Less => Vector256.LessThan(x, y),
            _ => Vector256.LessThanOrEqual(x, y),
        };
        return mask & Vector256<float>.One;
    }

    public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y)
    {
        Vector512<float> mask = relation switch
        {
            Comparison.Equal => Vector512.Equals(x, y),
            Comparison.NotEqual => ~Vector512.Equals(x, y),
            Comparison.Greater => Vector512.GreaterThan(x, y),
            Comparison.GreaterOrEqual => Vector512.GreaterThanOrEqual(x, y),
            Comparison.Less => Vector512.LessThan(x, y),
            _ => Vector512.LessThanOrEqual(x, y),
        };
        return mask & Vector512<float>.One;
    }
}

/// <summary>
/// eˣ with <see cref="FastMath.ExpInRange{T}"/> (≤ 1 ulp, all in registers, faster than TensorPrimitives.Exp:
/// docs/kernels-fused.md). FastMath's exp holds only on [−87, 88.3], so a register
/// with any lane outside it (or NaN) is computed lane by lane with MathF.Exp instead, which gives
/// the subnormals, +∞ and NaN that IEEE exp gives. Such registers are rare (a −∞ attention mask is one).
/// Every other register is known to be in range, so it skips the clamps and flush of <see cref="FastMath.Exp{T}"/>.
/// </summary>
public readonly struct ExpOperator : IUnaryOperator
{
    public float Invoke(float x) => MathF.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x)
    {
        // Both comparisons are false for NaN, so a NaN lane also takes the lane-by-lane path.
        if (!Vector256.GreaterThanOrEqualAll(x, Vector256.Create(FastMath.ExpLowest)) || !Vector256.LessThanOrEqualAll(x, Vector256.Create(FastMath.ExpHighest)))
            return Lanewise(x);
        return Unsafe.BitCast<Lanes256, Vector256<float>>(FastMath.ExpInRange(Unsafe.BitCast<Vector256<float>, Lanes256>(x)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x)
    {
        if (!Vector512.GreaterThanOrEqualAll(x, Vector512.Create(FastMath.ExpLowest)) || !Vector512.LessThanOrEqualAll(x, Vector512.Create(FastMath.ExpHighest)))
            return Lanewise(x);
        return Unsafe.BitCast<Lanes512, Vector512<float>>(FastMath.ExpInRange(Unsafe.BitCast<Vector512<float>, Lanes512>(x)));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Lanewise(Vector256<float> x)
    {
        Span<float> lanes = stackalloc float[Vector256<float>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = MathF.Exp(x[i]);
        return Vector256.Create<float>(lanes);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> Lanewise(Vector512<float> x)
    {
        Span<float> lanes = stackalloc float[Vector512<float>.Count];
        for (int i = 0; i < lanes.Length; i++) lanes[i] = MathF.Exp(x[i]);
        return Vector512.Create<float>(lanes);
    }
}

/// <summary>tanh with <see cref="FastMath.Tanh{T}"/>, all in registers, within 3 units of 2⁻²⁴ relative
/// error over [−30, 30] (checked against double); faster than TensorPrimitives.Tanh (docs/kernels-fused.md).</summary>
public readonly struct TanhOperator : IUnaryOperator
{
    public float Invoke(float x) => FastMath.Tanh(new Lanes1(x)).Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) =>
        Unsafe.BitCast<Lanes256, Vector256<float>>(FastMath.Tanh(Unsafe.BitCast<Vector256<float>, Lanes256>(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) =>
        Unsafe.BitCast<Lanes512, Vector512<float>>(FastMath.Tanh(Unsafe.BitCast<Vector512<float>, Lanes512>(x)));
}

/// <summary>σ(x) = 1 / (1 + e⁻ˣ) with <see cref="FastMath.Sigmoid{T}"/>, all in registers, within 4 units of
/// 2⁻²⁴ relative error over [−30, 30] (results below float's normal range flush to 0); faster than
/// TensorPrimitives.Sigmoid (docs/kernels-fused.md).</summary>
public readonly struct SigmoidOperator : IUnaryOperator
{
    public float Invoke(float x) => FastMath.Sigmoid(new Lanes1(x)).Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Invoke(Vector256<float> x) =>
        Unsafe.BitCast<Lanes256, Vector256<float>>(FastMath.Sigmoid(Unsafe.BitCast<Vector256<float>, Lanes256>(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Invoke(Vector512<float> x) =>
        Unsafe.BitCast<Lanes512, Vector512<float>>(FastMath.Sigmoid(Unsafe.BitCast<Vector512<float>, Lanes512>(x)));
}
