using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// The position-wise feed-forward network of a Transformer block (Vaswani et al. 2017, §3.3), with GPT-2's
/// names: <c>c_fc</c> widens each vector, an activation bends it, <c>c_proj</c> brings it back, and an
/// optional dropout follows (nanoGPT's MLP). makemore's bag-of-words block is the same shape with tanh.
/// </summary>
public sealed class FeedForward : Module<Tensor, Tensor>
{
    public Linear CFc { get; }
    public Module<Tensor, Tensor> Act { get; }
    public Linear CProj { get; }
    public Dropout Drop { get; }

    public FeedForward(int size, int hiddenSize, Module<Tensor, Tensor> activation, float dropout = 0f, Generator? generator = null)
    {
        CFc = Child("c_fc", new Linear(size, hiddenSize, generator: generator));
        Act = Child("act", activation);
        CProj = Child("c_proj", new Linear(hiddenSize, size, generator: generator));
        Drop = Child("dropout", new Dropout(dropout, generator));
    }

    public override Tensor Forward(Tensor x) =>
        Drop.Forward(CProj.Forward(Act.Forward(CFc.Forward(x))));   // (…, C) → (…, hidden) → (…, C)
}
