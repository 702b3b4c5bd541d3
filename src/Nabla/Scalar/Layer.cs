namespace Nabla.Scalar;

/// <summary>A row of neurons that all read the same inputs.</summary>
public sealed class Layer : ScalarModule
{
    private readonly Neuron[] _neurons;
    private readonly Value[] _parameters;

    public Layer(int inputs, int outputs, bool nonlinear, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        _neurons = new Neuron[outputs];
        for (int i = 0; i < outputs; i++) _neurons[i] = new Neuron(inputs, nonlinear, random);
        _parameters = [.. _neurons.SelectMany(n => n.Parameters())];
    }

    public IReadOnlyList<Neuron> Neurons => _neurons;

    /// <summary>One output per neuron.</summary>
    public Value[] Forward(IReadOnlyList<Value> x)
    {
        var outputs = new Value[_neurons.Length];
        for (int i = 0; i < _neurons.Length; i++) outputs[i] = _neurons[i].Forward(x);
        return outputs;
    }

    public override IReadOnlyList<Value> Parameters() => _parameters;

    public override string ToString() => $"Layer of [{string.Join(", ", _neurons.Select(n => n.ToString()))}]";
}
