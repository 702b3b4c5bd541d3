using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Elementwise functions of one tensor. Each forward is one operator of the elementwise driver; each backward adds f'(x)·dy into the input's gradient with one fused kernel, using
/// the output y where the derivative is cheaper in terms of it (eˣ, tanh, σ, √).
/// </summary>
public sealed partial class Tensor
{
    // y = eˣ:  dx += dy · y
    public Tensor Exp()
    {
        Tensor y = UnaryElementwise(this, "Exp", new ExpOperator());
        return Record("Exp", y, [this], dy => AccumulateGrad(this, dy, y, new MultiplyOperator()));
    }

    // y = ln x:  dx += dy / x
    public Tensor Log()
    {
        Tensor y = UnaryElementwise(this, "Log", new LogOperator());
        return Record("Log", y, [this], dy => AccumulateGrad(this, dy, this, new DivideOperator()));
    }

    // y = √x:  dx += dy / (2y)
    public Tensor Sqrt()
    {
        Tensor y = UnaryElementwise(this, "Sqrt", new SqrtOperator());
        return Record("Sqrt", y, [this], dy => AccumulateGrad(this, dy, y, new SqrtBackwardOperator()));
    }

    // y = tanh x:  dx += dy · (1 − y²)
    public Tensor Tanh()
    {
        Tensor y = UnaryElementwise(this, "Tanh", new TanhOperator());
        return Record("Tanh", y, [this], dy => AccumulateGrad(this, dy, y, new TanhBackwardOperator()));
    }

    // y = σ(x) = 1 / (1 + e⁻ˣ):  dx += dy · y(1 − y)
    public Tensor Sigmoid()
    {
        Tensor y = UnaryElementwise(this, "Sigmoid", new SigmoidOperator());
        return Record("Sigmoid", y, [this], dy => AccumulateGrad(this, dy, y, new SigmoidBackwardOperator()));
    }

    // y = max(x, 0):  dx += dy where x > 0
    public Tensor Relu()
    {
        Tensor y = UnaryElementwise(this, "Relu", new ReluOperator());
        return Record("Relu", y, [this], dy => AccumulateGrad(this, dy, y, new ReluBackwardOperator()));
    }

    // y = |x|:  dx += dy · sign(x)
    public Tensor Abs()
    {
        Tensor y = UnaryElementwise(this, "Abs", new AbsOperator());
        return Record("Abs", y, [this], dy => AccumulateGrad(this, dy, this, new AbsBackwardOperator()));
    }

    // y = min(max(x, lo), hi):  dx += dy where lo ≤ x ≤ hi
    public Tensor Clamp(float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} is greater than max {max}");
        Tensor y = UnaryElementwise(this, "Clamp", new ClampOperator(min, max));
        return Record("Clamp", y, [this], dy => AccumulateGrad(this, dy, this, new ClampBackwardOperator(min, max)));
    }

    // y = xᵖ:  dx += dy · p · xᵖ⁻¹
    public Tensor Pow(float exponent)
    {
        Tensor y = exponent == 2f
            ? BinaryElementwise(this, this, "Pow", new MultiplyOperator())
            : BinaryElementwise(this, Scalar(exponent), "Pow", new PowOperator());
        return Record("Pow", y, [this], dy => AccumulateGrad(this, dy, this, new PowBackwardOperator(exponent)));
    }

    // y = aᵇ elementwise with broadcasting:  da += dy · b · aᵇ⁻¹,  db += dy · y · ln a
    public Tensor Pow(Tensor exponent)
    {
        Tensor a = this, b = exponent;
        Tensor y = BinaryElementwise(a, b, "Pow", new PowOperator());
        return Record("Pow", y, [a, b], dy =>
        {
            if (a.requiresGrad) AccumulateGrad(a, dy * b * a.Pow(b - 1f));
            if (b.requiresGrad) AccumulateGrad(b, dy * y * a.Log());
        });
    }
}
