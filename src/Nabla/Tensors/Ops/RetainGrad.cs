namespace Nabla.Tensors;

/// <summary>
/// Keeping the gradient of an intermediate tensor, as PyTorch's <c>retain_grad()</c>. Backward normally hands an
/// intermediate gradient back to the pool the moment its rule has used it; a tensor marked here keeps it in
/// <see cref="Grad"/>, so a by-hand backward pass can be checked step by step against autograd's.
/// </summary>
public sealed partial class Tensor
{
    private bool retainsGrad;
    private Tensor? earlierGrad;

    /// <summary>
    /// After this, <see cref="Backward"/> leaves this tensor's gradient in <see cref="Grad"/>, and later backward
    /// passes that reach it add to it, as they do for a leaf (<see cref="ZeroGrad"/> clears it). Only the gradient
    /// of the current pass flows on to the inputs. A leaf keeps its gradient anyway: for it this does nothing.
    /// Returns this tensor.
    /// </summary>
    public Tensor RetainGrad()
    {
        EnsureAlive("RetainGrad");
        if (!requiresGrad)
            throw new InvalidOperationException($"RetainGrad: {Describe()} does not require a gradient, so none will reach it");
        if (node is not null) retainsGrad = true;
        return this;
    }

    /// <summary>True for an intermediate tensor whose gradient <see cref="RetainGrad"/> keeps (PyTorch's retains_grad).</summary>
    public bool RetainsGrad => retainsGrad;

    /// <summary>
    /// Before a backward pass: a retained gradient from an earlier pass steps aside, so that the rule of this
    /// tensor sees only what flows in this pass.
    /// </summary>
    private static void SetAsideRetainedGradients(ReadOnlySpan<GraphNode> order)
    {
        foreach (GraphNode node in order)
            if (node.Tensor is { retainsGrad: true, Grad: Tensor earlier } t)
            {
                t.earlierGrad = earlier;
                t.Grad = null;
                t.gradIsPooled = false;
            }
    }

    /// <summary>After this tensor's rule has run: keep its gradient, added to the one set aside, if any.</summary>
    private void KeepRetainedGradient()
    {
        Tensor? earlier = earlierGrad;
        earlierGrad = null;
        if (earlier is not null)
        {
            if (Grad is Tensor now)
            {
                earlier.AddInPlace(now);
                if (gradIsPooled) BufferPool.Return(now.data);
            }
            Grad = earlier;
        }
        // A pooled buffer kept here simply leaves the pool for good.
        gradIsPooled = false;
    }
}
