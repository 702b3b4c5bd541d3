using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// + − × ÷ with PyTorch broadcasting, for tensors and scalars on either side. In every backward rule
/// the input's share has the output's shape and is summed over broadcast dimensions (AccumulateGrad does
/// that), so a bias of shape [C] added to [B, C] receives the sum over B.
/// </summary>
public sealed partial class Tensor
{
    // z = a + b:  da += dz,  db += dz
    public static Tensor operator +(Tensor a, Tensor b)
    {
        Tensor z = BinaryElementwise(a, b, "Add", new AddOperator());
        return Record("Add", z, [a, b], dz =>
        {
            if (a.requiresGrad) AccumulateGrad(a, dz);
            // Last: b may take dz's buffer itself (a residual branch does), once a has read it.
            if (b.requiresGrad && !(Shapes.SameShape(b.shape, z.shape) && TryHandOnGrad(b, z, dz))) AccumulateGrad(b, dz);
        });
    }

    // z = a − b:  da += dz,  db −= dz
    public static Tensor operator -(Tensor a, Tensor b)
    {
        Tensor z = BinaryElementwise(a, b, "Sub", new SubtractOperator());
        return Record("Sub", z, [a, b], dz =>
        {
            if (a.requiresGrad) AccumulateGrad(a, dz);
            if (b.requiresGrad) AccumulateGrad(b, dz, MinusOne, new MultiplyOperator());
        });
    }

    // z = a · b:  da += dz · b,  db += dz · a
    public static Tensor operator *(Tensor a, Tensor b)
    {
        Tensor z = BinaryElementwise(a, b, "Mul", new MultiplyOperator());
        return Record("Mul", z, [a, b], dz =>
        {
            if (a.requiresGrad) AccumulateGrad(a, dz, b, new MultiplyOperator());
            if (b.requiresGrad) AccumulateGrad(b, dz, a, new MultiplyOperator());
        });
    }

    // z = a / b:  da += dz / b,  db += −dz · a / b² = −dz · z / b
    public static Tensor operator /(Tensor a, Tensor b)
    {
        Tensor z = BinaryElementwise(a, b, "Div", new DivideOperator());
        return Record("Div", z, [a, b], dz =>
        {
            if (a.requiresGrad) AccumulateGrad(a, dz, b, new DivideOperator());
            if (b.requiresGrad)
            {
                using (NoGrad()) AccumulateGrad(b, -(dz * z / b));
            }
        });
    }

    // z = −x:  dx −= dz
    public static Tensor operator -(Tensor x)
    {
        x.RequireFloat("Neg");
        Tensor z = BinaryElementwise(x, MinusOne, "Neg", new MultiplyOperator());
        return Record("Neg", z, [x], dz => AccumulateGrad(x, dz, MinusOne, new MultiplyOperator()));
    }

    public Tensor Neg() => -this;

    private static readonly Tensor MinusOne = Scalar(-1f);

    // Scalars on either side are zero-dimensional tensors that broadcast (and need no gradient).
    public static Tensor operator +(Tensor a, float b) => a + Scalar(b);
    public static Tensor operator +(float a, Tensor b) => Scalar(a) + b;
    public static Tensor operator -(Tensor a, float b) => a - Scalar(b);
    public static Tensor operator -(float a, Tensor b) => Scalar(a) - b;
    public static Tensor operator *(Tensor a, float b) => a * Scalar(b);
    public static Tensor operator *(float a, Tensor b) => Scalar(a) * b;
    public static Tensor operator /(Tensor a, float b) => a / Scalar(b);
    public static Tensor operator /(float a, Tensor b) => Scalar(a) / b;

    public Tensor Add(Tensor other) => this + other;
    public Tensor Sub(Tensor other) => this - other;
    public Tensor Mul(Tensor other) => this * other;
    public Tensor Div(Tensor other) => this / other;
}
