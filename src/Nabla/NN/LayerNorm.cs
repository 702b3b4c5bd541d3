using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// Normalizes each vector over its last dimension to mean 0 and variance 1, then scales and shifts it
/// (Ba et al. 2016, "Layer Normalization"). Weight starts at 1, bias at 0; the bias is optional, as in
/// nanoGPT's LayerNorm.
/// </summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public float Eps { get; }

    public LayerNorm(int dim, bool bias = true, float eps = 1e-5f)
    {
        if (dim <= 0) throw new ArgumentException($"LayerNorm: dim must be positive, got {dim}");
        Eps = eps;
        Weight = Parameter("weight", Tensor.Ones(dim));
        if (bias) Bias = Parameter("bias", Tensor.Zeros(dim));
    }

    public override Tensor Forward(Tensor x) => Tensor.LayerNorm(x, Weight, Bias, Eps);
}
