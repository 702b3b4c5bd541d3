using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// makemore.py's recurrent language model (Elman 1990; Mikolov et al. 2010, "Recurrent neural network based
/// language model"): each token is embedded, a cell folds it into the hidden state, and the state after
/// token t predicts token t + 1. The state before the first token is <c>start</c>, learned like any weight.
/// <code>
/// h₋₁ = start,   h_t = cell(wte[x_t], h_{t−1}),   logits_t = lm_head(h_t)
/// </code>
/// The cell here is <see cref="RnnCell"/>, h' = tanh(W_ih x + b_ih + W_hh h + b_hh): makemore's single Linear
/// over [x, h] with its weight split in two and its bias split in a sum. <see cref="Gru"/> swaps the cell.
/// </summary>
public class Rnn : SequenceModel
{
    /// <summary>The hidden state before the first token, [1, n_embd2].</summary>
    public Tensor Start { get; }
    public Embedding Wte { get; }
    public RecurrentCell Cell { get; }
    public Linear LmHead { get; }

    public Rnn(MakemoreConfig config, Generator generator)
        : this(config, new RnnCell(config.NEmbd, config.NEmbd2, generator: generator), generator) { }

    protected Rnn(MakemoreConfig config, RecurrentCell cell, Generator generator) : base(config.VocabularySize, config.BlockSize)
    {
        Start = Parameter("start", Tensor.Zeros(1, config.NEmbd2));
        Wte = Child("wte", new Embedding(config.VocabularySize, config.NEmbd, generator));
        Cell = Child("cell", cell);
        LmHead = Child("lm_head", new Linear(config.NEmbd2, config.VocabularySize, generator: generator));
    }

    protected override Tensor Logits(Tensor idx)
    {
        Tensor emb = Wte.Forward(idx);                          // (B, T) → (B, T, n_embd)
        Tensor start = Start.Expand(idx.Size(0), -1);           // (1, n_embd2) → (B, n_embd2), one state shared by the batch
        Tensor hidden = Cell.Unroll(emb, start);                // (B, T, n_embd2): h_t after reading token t
        return LmHead.Forward(hidden);                          // (B, T, vocab)
    }
}
