using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>Elementwise maximum and minimum of two tensors, with broadcasting.</summary>
public sealed partial class Tensor
{
    // z = max(a, b):  da += dz · [a ≥ b or NaN] (½ on ties),  db += dz · [b ≥ a or NaN] (½ on ties)
    public static Tensor Maximum(Tensor a, Tensor b)
    {
        Tensor z = BinaryElementwise(a, b, "Maximum", new MaximumOperator());
        return Record("Maximum", z, [a, b], dz =>
        {
            if (a.requiresGrad) AccumulateWinnerShare(a, dz, a, b);
            if (b.requiresGrad) AccumulateWinnerShare(b, dz, b, a);
        });
    }

    // z = min(a, b): the same rule with the comparison reversed
    public static Tensor Minimum(Tensor a, Tensor b)
    {
        Tensor z = BinaryElementwise(a, b, "Minimum", new MinimumOperator());
        return Record("Minimum", z, [a, b], dz =>
        {
            if (a.requiresGrad) AccumulateWinnerShare(a, dz, b, a);
            if (b.requiresGrad) AccumulateWinnerShare(b, dz, a, b);
        });
    }

    public Tensor Maximum(Tensor other) => Maximum(this, other);
    public Tensor Minimum(Tensor other) => Minimum(this, other);

    /// <summary>input.grad += dz · [x ≥ y, or either is NaN], with ½ where x = y.</summary>
    private static void AccumulateWinnerShare(Tensor input, Tensor dz, Tensor x, Tensor y)
    {
        Tensor share = RentScratch(ShapeOf(dz.shape));
        BinaryElementwiseInto(x, y, share, new WinnerShareOperator());
        AccumulateGrad(input, dz, share, new MultiplyOperator());
        ReturnScratch(share);
    }
}
