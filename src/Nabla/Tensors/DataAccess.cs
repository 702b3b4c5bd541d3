namespace Nabla.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// The elements of a contiguous float32 tensor, read in place without a copy (for metrics, norms and
    /// writing files); <see cref="ToArray"/> copies any layout. Writes go through the in-place operations.
    /// </summary>
    public ReadOnlySpan<float> AsReadOnlySpan()
    {
        RequireFloat("AsReadOnlySpan");
        if (!IsContiguous) throw new InvalidOperationException($"AsReadOnlySpan: {Describe()} is not contiguous; call Contiguous() first");
        return data.AsSpan(offset, Count);
    }

    /// <summary>The elements of a contiguous float32 tensor, for a loader that fills parameters in place (a file's
    /// bytes converted straight into the model, without a second copy). Autograd does not see such a write.</summary>
    internal Span<float> AsWritableSpan(string op)
    {
        RequireFloat(op);
        EnsureAlive(op);
        if (!IsContiguous) throw new InvalidOperationException($"{op}: {Describe()} is not contiguous");
        return data.AsSpan(offset, Count);
    }
}
