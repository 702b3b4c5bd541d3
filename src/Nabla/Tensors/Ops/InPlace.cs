using System.Numerics.Tensors;
using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// In-place updates, PyTorch's trailing-underscore methods (<c>add_</c>, <c>mul_</c>, <c>copy_</c>, ...): what
/// an optimizer step or a hand-written <c>p.data += -lr * p.grad</c> needs. They write into this tensor's
/// storage (every view of it sees the change), record nothing, and return this tensor so they chain.
/// </summary>
/// <remarks>
/// Autograd cannot follow a change made behind its back, so, as PyTorch refuses an in-place operation on a
/// leaf that requires grad, these throw on a tensor that requires a gradient while graph recording is on.
/// Inside <c>using (Tensor.NoGrad())</c> (an optimizer step) or on a tensor that needs no gradient they are
/// legal. Like PyTorch without its version counters, they cannot tell that a value was already saved for a
/// backward pass still to come: update parameters after <c>Backward()</c>, not between forward and backward.
/// Contiguous operands of the target's shape take one SIMD pass; anything else (views, broadcasting) is
/// computed with the ordinary operations and copied in.
/// </remarks>
public sealed partial class Tensor
{
    /// <summary>Sets every element to 0 (zero_).</summary>
    public Tensor ZeroInPlace() => FillInPlace(0f);

    /// <summary>Sets every element to <paramref name="value"/> (fill_).</summary>
    public Tensor FillInPlace(float value)
    {
        BeginInPlace("FillInPlace");
        if (IsContiguous) Span.Fill(value);
        else CopyInto(this, Full(value, shape));
        return this;
    }

    /// <summary>
    /// Overwrites every element with a draw from N(<paramref name="mean"/>, <paramref name="std"/>²) (normal_): the
    /// values <c>Randn(shape, generator) * std + mean</c> would hold, written in place, so initializing a large
    /// parameter needs no temporary of its size.
    /// </summary>
    public Tensor NormalInPlace(float mean, float std, Generator generator)
    {
        BeginInPlace("NormalInPlace");
        if (!IsContiguous) return CopyFrom(Randn(shape, generator) * std + mean);
        Span<float> values = Span;
        for (int i = 0; i < values.Length; i++) values[i] = generator.NextNormal() * std + mean;
        return this;
    }

    /// <summary>Overwrites every element with a draw from U(<paramref name="low"/>, <paramref name="high"/>) (uniform_), as <c>Rand(shape, generator) * (high − low) + low</c>.</summary>
    public Tensor UniformInPlace(float low, float high, Generator generator)
    {
        BeginInPlace("UniformInPlace");
        if (!IsContiguous) return CopyFrom(Rand(shape, generator) * (high - low) + low);
        Span<float> values = Span;
        float width = high - low;
        for (int i = 0; i < values.Length; i++) values[i] = generator.NextFloat() * width + low;
        return this;
    }

    /// <summary>Copies <paramref name="source"/> (same shape, or broadcastable to it) into this tensor (copy_).</summary>
    public Tensor CopyFrom(Tensor source)
    {
        BeginInPlace("CopyFrom");
        source.RequireFloat("CopyFrom");
        if (SameLayout(source)) source.Span.CopyTo(Span);
        else CopyInto(this, Fitted(source, "CopyFrom"));
        return this;
    }

    /// <summary>this += alpha · other (add_(other, alpha)).</summary>
    public Tensor AddInPlace(Tensor other, float alpha = 1f)
    {
        BeginInPlace("AddInPlace");
        other.RequireFloat("AddInPlace");
        if (SameLayout(other)) TensorPrimitives.MultiplyAdd(other.Span, alpha, Span, Span);
        else using (NoGrad()) CopyInto(this, Fitted(this + other * alpha, "AddInPlace"));
        return this;
    }

    /// <summary>this += value.</summary>
    public Tensor AddInPlace(float value)
    {
        BeginInPlace("AddInPlace");
        if (IsContiguous) TensorPrimitives.Add(Span, value, Span);
        else using (NoGrad()) CopyInto(this, this + value);
        return this;
    }

    /// <summary>this ·= value (mul_).</summary>
    public Tensor MulInPlace(float value)
    {
        BeginInPlace("MulInPlace");
        if (IsContiguous) TensorPrimitives.Multiply(Span, value, Span);
        else using (NoGrad()) CopyInto(this, this * value);
        return this;
    }

    /// <summary>this ·= other, elementwise (mul_(other)).</summary>
    public Tensor MulInPlace(Tensor other)
    {
        BeginInPlace("MulInPlace");
        other.RequireFloat("MulInPlace");
        if (SameLayout(other)) TensorPrimitives.Multiply(Span, other.Span, Span);
        else using (NoGrad()) CopyInto(this, Fitted(this * other, "MulInPlace"));
        return this;
    }

    /// <summary>this += weight · (end − this) (lerp_): an exponential moving average, e.g. Adam's first moment.</summary>
    public Tensor LerpInPlace(Tensor end, float weight)
    {
        BeginInPlace("LerpInPlace");
        end.RequireFloat("LerpInPlace");
        if (SameLayout(end)) TensorPrimitives.Lerp(Span, end.Span, weight, Span);
        else using (NoGrad()) CopyInto(this, Fitted(this + (end - this) * weight, "LerpInPlace"));
        return this;
    }

    /// <summary>this += value · a · b, elementwise (addcmul_).</summary>
    public Tensor AddProductInPlace(Tensor a, Tensor b, float value = 1f)
    {
        BeginInPlace("AddProductInPlace");
        a.RequireFloat("AddProductInPlace");
        b.RequireFloat("AddProductInPlace");
        if (SameLayout(a) && SameLayout(b)) Pointwise.AddScaledProduct(Span, a.Span, b.Span, value);
        else using (NoGrad()) CopyInto(this, Fitted(this + a * b * value, "AddProductInPlace"));
        return this;
    }

    /// <summary>this += value · (a / b), elementwise (addcdiv_).</summary>
    public Tensor AddQuotientInPlace(Tensor a, Tensor b, float value = 1f)
    {
        BeginInPlace("AddQuotientInPlace");
        a.RequireFloat("AddQuotientInPlace");
        b.RequireFloat("AddQuotientInPlace");
        if (SameLayout(a) && SameLayout(b)) Pointwise.AddScaledQuotient(Span, a.Span, b.Span, value);
        else using (NoGrad()) CopyInto(this, Fitted(this + a / b * value, "AddQuotientInPlace"));
        return this;
    }

    /// <summary>this = √this (sqrt_).</summary>
    public Tensor SqrtInPlace()
    {
        BeginInPlace("SqrtInPlace");
        if (IsContiguous) TensorPrimitives.Sqrt(Span, Span);
        else using (NoGrad()) CopyInto(this, Sqrt());
        return this;
    }

    private void BeginInPlace(string op)
    {
        RequireFloat(op);
        if (requiresGrad && IsGradEnabled)
            throw new InvalidOperationException(
                $"{op}: {Describe()} requires a gradient, and autograd cannot follow an in-place change to it; " +
                "update it inside `using (Tensor.NoGrad())` (as an optimizer step does), or update Detach()'d data");
    }

    /// <summary>Whether the one-pass path applies: this tensor and <paramref name="operand"/> contiguous and of one shape.</summary>
    private bool SameLayout(Tensor operand) => IsContiguous && operand.IsContiguous && Shapes.SameShape(shape, operand.shape);

    /// <summary><paramref name="value"/> broadcast to this tensor's shape, or an error naming <paramref name="op"/>.</summary>
    private Tensor Fitted(Tensor value, string op)
    {
        if (Shapes.SameShape(value.shape, shape)) return value;
        if (!Shapes.BroadcastsTo(value.shape, shape))
            throw new ArgumentException($"{op}: an operand of shape {Shapes.Format(value.shape)} cannot be written into {Describe()}");
        return value.Expand(shape);
    }
}
