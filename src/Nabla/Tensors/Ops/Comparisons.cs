using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Elementwise comparisons with broadcasting. The result is a float32 mask, 1 where the relation holds
/// and 0 elsewhere, ready for <see cref="MaskedFill"/>, <see cref="Where"/>, or a mean (accuracy =
/// <c>predicted.Eq(targets).Mean()</c>). Int32 operands are compared by value (exact below 2²⁴).
/// Not differentiable: the result never requires a gradient.
/// </summary>
public sealed partial class Tensor
{
    public Tensor Eq(Tensor other) => Compare(this, other, Comparison.Equal, "Eq");
    public Tensor Ne(Tensor other) => Compare(this, other, Comparison.NotEqual, "Ne");
    public Tensor Gt(Tensor other) => Compare(this, other, Comparison.Greater, "Gt");
    public Tensor Ge(Tensor other) => Compare(this, other, Comparison.GreaterOrEqual, "Ge");
    public Tensor Lt(Tensor other) => Compare(this, other, Comparison.Less, "Lt");
    public Tensor Le(Tensor other) => Compare(this, other, Comparison.LessOrEqual, "Le");

    public Tensor Eq(float value) => Eq(Scalar(value));
    public Tensor Ne(float value) => Ne(Scalar(value));
    public Tensor Gt(float value) => Gt(Scalar(value));
    public Tensor Ge(float value) => Ge(Scalar(value));
    public Tensor Lt(float value) => Lt(Scalar(value));
    public Tensor Le(float value) => Le(Scalar(value));

    private static Tensor Compare(Tensor a, Tensor b, Comparison relation, string op)
    {
        a.EnsureAlive(op);
        b.EnsureAlive(op);
        return BinaryElementwise(a.ToFloat32(), b.ToFloat32(), op, new CompareOperator(relation));
    }
}
