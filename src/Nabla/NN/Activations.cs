using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>tanh as a layer, for <see cref="Sequential"/>.</summary>
public sealed class Tanh : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor x) => x.Tanh();
}

/// <summary>max(0, x) as a layer.</summary>
public sealed class Relu : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor x) => x.Relu();
}

/// <summary>GELU as a layer (Hendrycks and Gimpel 2016), exact or with GPT-2's tanh approximation.</summary>
public sealed class Gelu(GeluApproximation approximate = GeluApproximation.None) : Module<Tensor, Tensor>
{
    public GeluApproximation Approximate { get; } = approximate;

    public override Tensor Forward(Tensor x) => x.Gelu(Approximate);
}

/// <summary>
/// Zeroes each element with probability p in training and scales the rest by 1/(1 − p), so evaluation needs
/// no change (Srivastava et al. 2014). The identity in evaluation mode.
/// </summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    private readonly Generator? generator;

    public float P { get; }

    /// <summary>The generator the masks are drawn from: the one given, or null for <see cref="Generator.Default"/>.</summary>
    public Generator? Generator => generator;

    public Dropout(float p, Generator? generator = null)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentException($"Dropout: p must be in [0, 1), got {p}");
        P = p;
        this.generator = generator;
    }

    public override Tensor Forward(Tensor x) => P == 0f ? x : x.Dropout(P, IsTraining, generator);
}
