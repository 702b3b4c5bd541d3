namespace Nabla.Scalar;

/// <summary>
/// One neuron: a weighted sum of its inputs plus a bias, then (optionally) a ReLU.
/// Weights start uniform in [-1, 1], the bias at 0, as in micrograd.
/// </summary>
public sealed class Neuron : ScalarModule
{
    private readonly Value[] _weights;
    private readonly Value _bias;
    private readonly Value[] _parameters;

    /// <summary>Whether the output passes through a ReLU (hidden layers) or stays linear (the last layer).</summary>
    public bool Nonlinear { get; }

    public Neuron(int inputs, bool nonlinear, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        _weights = new Value[inputs];
        for (int i = 0; i < inputs; i++) _weights[i] = new Value(random.NextDouble() * 2 - 1, $"w{i}");
        _bias = new Value(0, "b");
        _parameters = [.. _weights, _bias];
        Nonlinear = nonlinear;
    }

    public IReadOnlyList<Value> Weights => _weights;
    public Value Bias => _bias;

    /// <summary>relu(w·x + b), or w·x + b for a linear neuron.</summary>
    public Value Forward(IReadOnlyList<Value> x)
    {
        if (x.Count != _weights.Length)
            throw new ArgumentException($"Neuron: expected {_weights.Length} inputs, got {x.Count}");
        Value activation = _bias;
        for (int i = 0; i < _weights.Length; i++) activation += _weights[i] * x[i];
        return Nonlinear ? activation.Relu() : activation;
    }

    public override IReadOnlyList<Value> Parameters() => _parameters;

    public override string ToString() => $"{(Nonlinear ? "ReLU" : "Linear")}Neuron({_weights.Length})";
}
