using System.Numerics.Tensors;
using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Elementwise functions of one tensor. Each forward is one span kernel: an operator struct of
/// Nabla.Kernels for exp, tanh, σ, relu and clamp (exp, tanh and σ computed in registers, faster than
/// TensorPrimitives'), TensorPrimitives for log, √, |x| and pow; each backward adds f'(x)·dy into the input's gradient with one fused kernel, using
/// the output y where the derivative is cheaper in terms of it (eˣ, tanh, σ, √).
/// </summary>
public sealed partial class Tensor
{
    // y = eˣ:  dx += dy · y
    public Tensor Exp()
    {
        Tensor y = Map(this, "Exp", new ExpOperator());
        return Record("Exp", y, [this], dy => AccumulateGrad(this, dy, y, new MultiplyOperator()));
    }

    // y = ln x:  dx += dy / x
    public Tensor Log()
    {
        Tensor y = Unary("Log", static (x, y) => TensorPrimitives.Log(x, y));
        return Record("Log", y, [this], dy => AccumulateGrad(this, dy, Values(this), new DivideOperator()));
    }

    // y = √x:  dx += dy / (2y)
    public Tensor Sqrt()
    {
        Tensor y = Unary("Sqrt", static (x, y) => TensorPrimitives.Sqrt(x, y));
        return Record("Sqrt", y, [this], dy => AccumulateGrad(this, dy, y, new SqrtBackwardOperator()));
    }

    // y = tanh x:  dx += dy · (1 − y²)
    public Tensor Tanh()
    {
        Tensor y = Map(this, "Tanh", new TanhOperator());
        return Record("Tanh", y, [this], dy => AccumulateGrad(this, dy, y, new TanhBackwardOperator()));
    }

    // y = σ(x) = 1 / (1 + e⁻ˣ):  dx += dy · y(1 − y)
    public Tensor Sigmoid()
    {
        Tensor y = Map(this, "Sigmoid", new SigmoidOperator());
        return Record("Sigmoid", y, [this], dy => AccumulateGrad(this, dy, y, new SigmoidBackwardOperator()));
    }

    // y = max(x, 0):  dx += dy where x > 0
    public Tensor Relu()
    {
        Tensor y = Map(this, "Relu", new ReluOperator());
        return Record("Relu", y, [this], dy => AccumulateGrad(this, dy, y, new ReluBackwardOperator()));
    }

    // y = |x|:  dx += dy · sign(x)
    public Tensor Abs()
    {
        Tensor y = Unary("Abs", static (x, y) => TensorPrimitives.Abs(x, y));
        return Record("Abs", y, [this], dy => AccumulateGrad(this, dy, Values(this), new AbsBackwardOperator()));
    }

    // y = min(max(x, lo), hi):  dx += dy where lo ≤ x ≤ hi
    public Tensor Clamp(float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} is greater than max {max}");
        Tensor y = Map(this, "Clamp", new ClampOperator(min, max));
        return Record("Clamp", y, [this], dy => AccumulateGrad(this, dy, Values(this), new ClampBackwardOperator(min, max)));
    }

    // y = xᵖ:  dx += dy · p · xᵖ⁻¹
    public Tensor Pow(float exponent)
    {
        Tensor y = exponent == 2f
            ? Broadcast(this, this, "Pow", new MultiplyOperator())
            : Unary("Pow", (x, y) => TensorPrimitives.Pow(x, exponent, y));
        return Record("Pow", y, [this], dy =>
        {
            Tensor slope = RentScratch(ShapeOf(shape)); // p · xᵖ⁻¹
            TensorPrimitives.Pow(Values(this).Span, exponent - 1f, slope.Span);
            TensorPrimitives.Multiply(slope.Span, exponent, slope.Span);
            AccumulateGrad(this, dy, slope, new MultiplyOperator());
            ReturnScratch(slope);
        });
    }

    // y = aᵇ elementwise with broadcasting:  da += dy · b · aᵇ⁻¹,  db += dy · y · ln a
    public Tensor Pow(Tensor exponent)
    {
        Tensor a = this, b = exponent;
        Tensor y = Broadcast(a, b, "Pow", new PowOperator());
        return Record("Pow", y, [a, b], dy =>
        {
            if (a.requiresGrad) AddToGrad(a, dy * b * a.Pow(b - 1f));
            if (b.requiresGrad) AddToGrad(b, dy * y * a.Log());
        });
    }

    private Tensor Unary(string op, Elementwise.SpanFunction function)
    {
        RequireFloat(op);
        Tensor y = Output(ShapeOf(shape));
        Elementwise.Map(ContiguousValues(), y.Span, function);
        return y;
    }

    /// <summary>A contiguous tensor with x's values, for backward rules that read the input (no copy if x is contiguous).</summary>
    private static Tensor Values(Tensor x) => x.IsContiguous ? x : new Tensor(x.ContiguousValues().ToArray(), ShapeOf(x.shape));
}
