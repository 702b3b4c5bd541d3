namespace Nabla.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// An optional name for messages: a module gives each parameter its dotted state-dict name
    /// (<c>blocks.0.attn.c_attn.weight</c>), so an error about it says which one.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>How messages refer to this tensor: its name if it has one, else what made it, and its shape.</summary>
    internal string Describe() =>
        Name is not null ? $"'{Name}' {Shapes.Format(shape)}"
        : node is not null ? $"the {node.Op} result {Shapes.Format(shape)}"
        : $"a leaf tensor {Shapes.Format(shape)}";
}
