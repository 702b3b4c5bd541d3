namespace Nabla.Scalar;

/// <summary>
/// A multi-layer perceptron: layers of neurons, ReLU in every layer but the last, which stays linear so
/// its output can be any score. <c>new MLP(2, [16, 16, 1], seed)</c> is micrograd's moons classifier
/// (337 parameters).
/// </summary>
public sealed class MLP : ScalarModule
{
    private readonly Layer[] _layers;
    private readonly Value[] _parameters;

    /// <param name="inputs">Number of inputs.</param>
    /// <param name="layerSizes">Neurons per layer, the last being the number of outputs.</param>
    /// <param name="seed">Seed of the generator that draws the initial weights.</param>
    public MLP(int inputs, IReadOnlyList<int> layerSizes, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        if (layerSizes.Count == 0) throw new ArgumentException("MLP: needs at least one layer", nameof(layerSizes));
        var random = new Random(seed);
        _layers = new Layer[layerSizes.Count];
        int fanIn = inputs;
        for (int i = 0; i < layerSizes.Count; i++)
        {
            _layers[i] = new Layer(fanIn, layerSizes[i], nonlinear: i != layerSizes.Count - 1, random);
            fanIn = layerSizes[i];
        }
        _parameters = [.. _layers.SelectMany(l => l.Parameters())];
        Inputs = inputs;
    }

    public int Inputs { get; }
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Feeds <paramref name="x"/> through every layer; returns the last layer's outputs.</summary>
    public Value[] Forward(IReadOnlyList<Value> x)
    {
        if (x.Count != Inputs) throw new ArgumentException($"MLP: expected {Inputs} inputs, got {x.Count}");
        Value[] activations = _layers[0].Forward(x);
        for (int i = 1; i < _layers.Length; i++) activations = _layers[i].Forward(activations);
        return activations;
    }

    /// <summary>Forward for plain numbers: wraps them as input leaves.</summary>
    public Value[] Forward(params double[] x) => Forward(Array.ConvertAll(x, v => new Value(v)));

    public override IReadOnlyList<Value> Parameters() => _parameters;

    public override string ToString() => $"MLP of [{string.Join(", ", _layers.Select(l => l.ToString()))}]";
}
