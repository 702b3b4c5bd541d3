using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// makemore.py's bag-of-words model: each position sees the average of the embeddings (token + position) of
/// itself and every position before it, an MLP reads that, and a linear head predicts the next token.
/// <code>
/// x = wte[idx] + wpe[0..T)
/// x = x + mean(x₀ … x_t)                 causal bag of words
/// x = x + c_proj(tanh(c_fc(x)))          the MLP, n_embd → n_embd2 → n_embd
/// logits = lm_head(x)
/// </code>
/// The average is attention with every score equal, which is where a Transformer starts.
/// </summary>
public sealed class BagOfWords : SequenceModel
{
    public Embedding Wte { get; }
    public Embedding Wpe { get; }
    public Block ContextBlock { get; }
    public Linear LmHead { get; }

    public BagOfWords(MakemoreConfig config, Generator generator) : base(config.VocabularySize, config.BlockSize)
    {
        Wte = Child("wte", new Embedding(config.VocabularySize, config.NEmbd, generator));
        Wpe = Child("wpe", new Embedding(config.BlockSize, config.NEmbd, generator));
        ContextBlock = Child("context_block", new Block(config.NEmbd, config.NEmbd2, generator));
        LmHead = Child("lm_head", new Linear(config.NEmbd, config.VocabularySize, generator: generator));
    }

    protected override Tensor Logits(Tensor idx)
    {
        Tensor pos = Tensor.ArangeInt(idx.Size(1));                    // (T)
        Tensor x = Wte.Forward(idx) + Wpe.Forward(pos);               // (B, T, C) + (T, C) → (B, T, C)
        x = ContextBlock.Forward(x);                                   // (B, T, C)
        return LmHead.Forward(x);                                      // (B, T, vocab)
    }

    /// <summary>The causal average and the MLP, each added to its input.</summary>
    public sealed class Block : Module<Tensor, Tensor>
    {
        private Tensor? average;   // [L, L]: row t holds 1/(t+1) at columns 0..t and 0 after

        public FeedForward Mlp { get; }

        public Block(int embeddingSize, int hiddenSize, Generator generator) =>
            Mlp = Child("mlp", new FeedForward(embeddingSize, hiddenSize, new NN.Tanh(), generator: generator));

        public override Tensor Forward(Tensor x)
        {
            x = x + Averages(x.Size(1)).MatMul(x);                    // (T, T) @ (B, T, C) → (B, T, C)
            return x + Mlp.Forward(x);                                // (B, T, C)
        }

        /// <summary>
        /// The [T, T] matrix whose product with x averages the past: makemore writes it as the softmax of zeros
        /// with −∞ above the diagonal. Its top-left corner is the same for every T, so it is made once.
        /// </summary>
        private Tensor Averages(int T)
        {
            if (average is null || average.Size(0) < T)
            {
                // A creation function, not an op: no TensorScope reclaims it between calls.
                var weights = new float[T * T];
                for (int t = 0; t < T; t++)
                    for (int s = 0; s <= t; s++) weights[t * T + s] = 1f / (t + 1);
                average = Tensor.FromArray(weights, T, T);
            }
            return average.Narrow(0, 0, T).Narrow(1, 0, T);
        }
    }
}
