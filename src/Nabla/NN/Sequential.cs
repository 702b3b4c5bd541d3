using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>Layers applied in order; their names are their positions ("0", "1", ...), as PyTorch's nn.Sequential.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> layers = [];

    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    public Sequential Add(Module<Tensor, Tensor> layer)
    {
        layers.Add(Child(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));
        return this;
    }

    public IReadOnlyList<Module<Tensor, Tensor>> Layers => layers;

    public Module<Tensor, Tensor> this[int index] => layers[index];

    public override Tensor Forward(Tensor x)
    {
        foreach (var layer in layers) x = layer.Forward(x);
        return x;
    }
}
