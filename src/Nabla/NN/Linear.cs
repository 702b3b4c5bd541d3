using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// y = x · Wᵀ + b over the last dimension of x, with W stored [out, in] as PyTorch's nn.Linear (so state dicts
/// carry over). Initialized as PyTorch does: W and b from U(−1/√in, 1/√in).
/// </summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"Linear: sizes must be positive, got in {inFeatures}, out {outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Generator g = generator ?? Generator.Default;
        float bound = 1f / MathF.Sqrt(inFeatures);
        Weight = Parameter("weight", Init.Uniform(Tensor.Zeros(outFeatures, inFeatures), -bound, bound, g));
        if (bias) Bias = Parameter("bias", Init.Uniform(Tensor.Zeros(outFeatures), -bound, bound, g));
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank == 0 || x.Size(-1) != InFeatures)
            throw new ArgumentException($"Linear({InFeatures} → {OutFeatures}): input {Shapes.Format(x.Shape)} must end in {InFeatures}");
        return Affine(x, Weight, Bias);
    }

    /// <summary>x · Wᵀ + b with W stored [out, in], as PyTorch's F.linear: this layer's function, for modules
    /// that keep such weights under their own names (the recurrent cells' weight_ih and weight_hh).</summary>
    public static Tensor Affine(Tensor x, Tensor weight, Tensor? bias)
    {
        Tensor y = x.MatMul(weight.T);      // (..., in) @ (in, out) -> (..., out)
        return bias is null ? y : y + bias;
    }
}
