using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>The nonlinearity that follows a layer, which decides the gain of its initialization.</summary>
public enum Nonlinearity { Linear, Tanh, Relu }

/// <summary>
/// Initialization: each function overwrites a tensor in place with draws from an explicit generator (so the
/// same seed gives the same model) and returns it. Parameters may require a gradient: initializing is not
/// part of any graph.
/// </summary>
public static class Init
{
    /// <summary>
    /// The factor that keeps activations at unit scale through a layer followed by <paramref name="nonlinearity"/>:
    /// 1 for none, 5/3 for tanh, √2 for ReLU (the values PyTorch's calculate_gain gives; the ReLU one from
    /// He et al. 2015, "Delving Deep into Rectifiers").
    /// </summary>
    public static float Gain(Nonlinearity nonlinearity) => nonlinearity switch
    {
        Nonlinearity.Tanh => 5f / 3f,
        Nonlinearity.Relu => MathF.Sqrt(2f),
        _ => 1f,
    };

    [ThreadStatic] private static int skipRandomDepth;

    /// <summary>
    /// <c>using (Init.SkipRandom()) { model = new Gpt(config); }</c>: inside the scope, on this thread, the random
    /// initializations (<see cref="Normal"/>, <see cref="Uniform"/> and the Kaiming ones) leave their tensor as it
    /// is and draw nothing. For a model whose every parameter a checkpoint is about to overwrite: building GPT-2 XL
    /// then costs its parameters' memory and no draws (transformers' <c>no_init_weights</c> does the same).
    /// </summary>
    public static SkipRandomScope SkipRandom()
    {
        skipRandomDepth++;
        return new SkipRandomScope();
    }

    public readonly struct SkipRandomScope : IDisposable
    {
        public void Dispose() => skipRandomDepth--;
    }

    /// <summary>Samples from N(mean, std²).</summary>
    public static Tensor Normal(Tensor tensor, float mean, float std, Generator generator)
    {
        if (skipRandomDepth > 0) return tensor;
        using (Tensor.NoGrad()) return tensor.NormalInPlace(mean, std, generator);
    }

    /// <summary>Samples from U(low, high).</summary>
    public static Tensor Uniform(Tensor tensor, float low, float high, Generator generator)
    {
        if (skipRandomDepth > 0) return tensor;
        using (Tensor.NoGrad()) return tensor.UniformInPlace(low, high, generator);
    }

    /// <summary>
    /// Kaiming (He et al. 2015) normal: std = gain / √fan_in, with fan_in the size of the last dimension of a
    /// [out, in] weight, so that every output starts with the variance of the inputs.
    /// </summary>
    public static Tensor KaimingNormal(Tensor weight, Nonlinearity nonlinearity, Generator generator) =>
        Normal(weight, 0f, Gain(nonlinearity) / MathF.Sqrt(FanIn(weight)), generator);

    /// <summary>Kaiming uniform: U(−b, b) with b = gain · √(3 / fan_in), the same variance as <see cref="KaimingNormal"/>.</summary>
    public static Tensor KaimingUniform(Tensor weight, Nonlinearity nonlinearity, Generator generator)
    {
        float bound = Gain(nonlinearity) * MathF.Sqrt(3f / FanIn(weight));
        return Uniform(weight, -bound, bound, generator);
    }

    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0f);

    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1f);

    public static Tensor Constant(Tensor tensor, float value)
    {
        using (Tensor.NoGrad()) return tensor.FillInPlace(value);
    }

    /// <summary>
    /// The standard deviation for a projection that adds into the residual stream of a network of
    /// <paramref name="layers"/> blocks: <paramref name="std"/> / √(2 · layers), since each block adds two such
    /// projections and their variances accumulate along the stream (GPT-2, Radford et al. 2019).
    /// </summary>
    public static float ResidualStd(float std, int layers) => std / MathF.Sqrt(2f * layers);

    /// <summary>fan_in of a weight: the product of every dimension but the first ([out, in] → in).</summary>
    public static int FanIn(Tensor weight)
    {
        if (weight.Rank < 2) throw new ArgumentException($"Init: fan_in needs a weight of rank 2 or more, got {Shapes.Format(weight.Shape)}");
        return weight.Count / weight.Size(0);
    }
}
