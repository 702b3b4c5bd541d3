using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// A character-level language model of the makemore path. Two shapes of input and output:
/// the lectures' models read a fixed context X [B, BlockSize] and give logits [B, Vocab] for the character
/// after it; makemore.py's sequence models (RNN, GRU, bag of words, Transformer) read X [B, T] with
/// T ≤ BlockSize and give logits [B, T, Vocab], a prediction at every position.
/// </summary>
public abstract class CharModel : Module<Tensor, Tensor>
{
    protected CharModel(int vocabularySize, int blockSize)
    {
        if (vocabularySize < 2) throw new ArgumentException($"{GetType().Name}: vocabulary size must be ≥ 2, got {vocabularySize}");
        if (blockSize < 1) throw new ArgumentException($"{GetType().Name}: block size must be ≥ 1, got {blockSize}");
        VocabularySize = vocabularySize;
        BlockSize = blockSize;
    }

    public int VocabularySize { get; }

    /// <summary>Tokens of context the model reads.</summary>
    public int BlockSize { get; }

    /// <summary>True for sequence models (logits at every position), false for fixed-context models.</summary>
    public abstract bool PredictsEveryPosition { get; }

    /// <summary>
    /// The mean negative log-likelihood per character of targets <paramref name="y"/> given inputs
    /// <paramref name="x"/>: targets [B] for fixed-context models, [B, T] with −1 where no loss is counted for
    /// sequence models. What evaluation reports.
    /// </summary>
    public Tensor NegativeLogLikelihood(Tensor x, Tensor y)
    {
        Tensor logits = Forward(x);
        if (!PredictsEveryPosition) return logits.CrossEntropy(y);                                  // (B, V) against (B)
        return logits.Reshape(-1, VocabularySize).CrossEntropy(y.Reshape(-1), ignoreIndex: -1);     // (B·T, V) against (B·T)
    }

    /// <summary>The training loss: the negative log-likelihood, plus whatever a model adds (a regularization term).</summary>
    public virtual Tensor Loss(Tensor x, Tensor y) => NegativeLogLikelihood(x, y);

    /// <summary>
    /// The exact mean negative log-likelihood per character over every example of (<paramref name="x"/>,
    /// <paramref name="y"/>), <paramref name="chunk"/> rows at a time, in evaluation mode (BatchNorm uses its
    /// running statistics) and without a graph: the number the lectures report for a split.
    /// </summary>
    public float Evaluate(Tensor x, Tensor y, int chunk = 4096)
    {
        if (x.Rank != 2 || x.Size(0) == 0 || y.Size(0) != x.Size(0))
            throw new ArgumentException($"{GetType().Name}.Evaluate: expected X (N, T) and Y of N rows with N > 0, got X {Shapes.Format(x.Shape)} and Y {Shapes.Format(y.Shape)}");
        bool wasTraining = IsTraining;
        Eval();
        double sum = 0;
        long characters = 0;
        using (Tensor.NoGrad())
            for (int start = 0; start < x.Size(0); start += chunk)
            {
                using var scope = new TensorScope();
                int length = Math.Min(chunk, x.Size(0) - start);
                Tensor yChunk = y.Narrow(0, start, length);
                // Sequence targets mark the positions after the stop token with −1: they carry no loss.
                int counted = PredictsEveryPosition ? yChunk.ToIntArray().Count(t => t != -1) : length;
                sum += (double)NegativeLogLikelihood(x.Narrow(0, start, length), yChunk).Item() * counted;
                characters += counted;
            }
        Train(wasTraining);
        return (float)(sum / characters);
    }

    /// <summary>
    /// Generates items: starting from the start token, samples each next token from the model's distribution
    /// (sharpened or flattened by <paramref name="temperature"/>, limited to the <paramref name="topK"/> most likely
    /// when given) until the stop token 0 or <paramref name="maxLength"/> tokens. Returns the tokens of each
    /// item without the stop token. Runs in evaluation mode without a graph.
    /// </summary>
    public List<int[]> Sample(int count, int maxLength, Generator generator, float temperature = 1f, int? topK = null)
    {
        if (count < 1) throw new ArgumentException($"Sample: count must be ≥ 1, got {count}");
        if (!(temperature > 0f)) throw new ArgumentException($"Sample: temperature must be positive, got {temperature}");
        if (topK is int k && (k < 1 || k > VocabularySize)) throw new ArgumentException($"Sample: top-k must be in [1, {VocabularySize}], got {k}");
        bool wasTraining = IsTraining;
        Eval();
        var items = new List<int[]>();
        using (Tensor.NoGrad())
            for (int n = 0; n < count; n++)
            {
                var tokens = new List<int>();
                while (tokens.Count < maxLength)
                {
                    using var scope = new TensorScope();
                    Tensor logits = NextLogits(tokens) / temperature;          // (Vocab)
                    if (topK is int kk && kk < VocabularySize)
                    {
                        float kth = logits.TopK(kk).Values.Get(kk - 1);
                        logits = logits.MaskedFill(logits.Lt(kth), float.NegativeInfinity);
                    }
                    int next = Tensor.Multinomial(logits.Softmax(-1), 1, generator: generator).ItemInt();
                    if (next == 0) break;
                    tokens.Add(next);
                }
                items.Add(tokens.ToArray());
            }
        Train(wasTraining);
        return items;
    }

    /// <summary>The logits for the token after the start token and <paramref name="tokens"/>.</summary>
    private Tensor NextLogits(List<int> tokens)
    {
        if (PredictsEveryPosition)
        {
            // [0, t₁, …] cropped to the last BlockSize tokens; the prediction at the last position.
            int[] sequence = [0, .. tokens];
            int[] window = sequence[Math.Max(0, sequence.Length - BlockSize)..];
            return Forward(Tensor.FromArray(window, 1, window.Length)).Select(0, 0).Select(0, -1);
        }
        // The last BlockSize tokens, padded on the left with start tokens.
        var context = new int[BlockSize];
        for (int i = 0; i < BlockSize; i++)
        {
            int at = tokens.Count - BlockSize + i;
            context[i] = at >= 0 ? tokens[at] : 0;
        }
        return Forward(Tensor.FromArray(context, 1, BlockSize)).Select(0, 0);
    }
}
