using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>Elementwise maximum and minimum of two tensors, with broadcasting.</summary>
public sealed partial class Tensor
{
    // z = max(a, b):  da += dz · [a > b] (½ on ties),  db += dz · [b > a] (½ on ties)
    public static Tensor Maximum(Tensor a, Tensor b)
    {
        Tensor z = BinaryElementwise(a, b, "Maximum", new MaximumOperator());
        return Record("Maximum", z, [a, b], dz => SendToWinners(a, b, dz, maximum: true));
    }

    // z = min(a, b): the same rule with the comparison reversed
    public static Tensor Minimum(Tensor a, Tensor b)
    {
        Tensor z = BinaryElementwise(a, b, "Minimum", new MinimumOperator());
        return Record("Minimum", z, [a, b], dz => SendToWinners(a, b, dz, maximum: false));
    }

    public Tensor Maximum(Tensor other) => Maximum(this, other);
    public Tensor Minimum(Tensor other) => Minimum(this, other);

    /// <summary>Adds dz into a where a won (max or min) and into b where b won; ties split evenly.</summary>
    private static void SendToWinners(Tensor a, Tensor b, Tensor dz, bool maximum)
    {
        Tensor share = RentScratch(ShapeOf(dz.shape)); // a's share, in [0, 1]
        if (maximum) BinaryElementwiseInto(a, b, share, new MaximumShareOperator());
        else BinaryElementwiseInto(b, a, share, new MaximumShareOperator()); // a wins a minimum where b is the larger
        if (a.requiresGrad) AccumulateGrad(a, dz, share, new MultiplyOperator());
        if (b.requiresGrad)
        {
            BinaryElementwiseInto(One, share, share, new SubtractOperator()); // b's share: 1 − a's
            AccumulateGrad(b, dz, share, new MultiplyOperator());
        }
        ReturnScratch(share);
    }

    private static readonly Tensor One = Scalar(1f);
}
