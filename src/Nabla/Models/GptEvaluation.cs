using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// A GPT's loss over a whole token split, not over a few random windows. The split is cut into consecutive
/// windows of the model's block size (the last one shorter, so every token but the first is predicted once), and
/// every position of a window counts, as in training: the first tokens of a window see a short context, the last
/// ones a full block. This is the number that nanoGPT's estimate over <c>eval_iters</c> random windows approximates;
/// its own noise is gone, so two runs compare by what they learned.
/// </summary>
public static class GptEvaluation
{
    /// <summary>Windows per forward pass: enough to keep the kernels busy, few enough for little memory.</summary>
    public const int DefaultBatchSize = 16;

    /// <summary>Mean cross-entropy (nats per token) of predicting <c>tokens[1..]</c> from what comes before, window by window.</summary>
    /// <param name="model">The model, run in evaluation mode (no dropout) and without a graph; its mode is restored.</param>
    /// <param name="tokens">The split, e.g. <see cref="GptData.Val"/>; at least two tokens, all inside the vocabulary.</param>
    /// <param name="blockSize">Window length, at most the model's block size; by default the model's.</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    public static double SplitLoss(Gpt model, ReadOnlySpan<ushort> tokens, int? blockSize = null, int batchSize = DefaultBatchSize)
    {
        int T = blockSize ?? model.Config.BlockSize;
        if (T < 1 || T > model.Config.BlockSize)
            throw new ArgumentException($"GptEvaluation: block size {T} must be in [1, {model.Config.BlockSize}] (the model's)");
        if (batchSize < 1) throw new ArgumentException($"GptEvaluation: batch size must be ≥ 1, got {batchSize}");
        if (tokens.Length < 2) throw new ArgumentException($"GptEvaluation: {tokens.Length} tokens leave nothing to predict (need at least 2)");
        foreach (ushort token in tokens)
            if (token >= model.Config.VocabSize)
                throw new ArgumentException($"GptEvaluation: token {token} is outside the model's vocabulary of {model.Config.VocabSize}");

        int predictions = tokens.Length - 1;
        int fullWindows = predictions / T, rest = predictions % T;
        double sum = 0;
        bool training = model.IsTraining;
        model.Eval();
        try
        {
            using (Tensor.NoGrad())
            {
                for (int first = 0; first < fullWindows; first += batchSize)
                {
                    int windows = Math.Min(batchSize, fullWindows - first);
                    sum += WindowsLoss(model, tokens, first * T, windows, T) * windows * T;
                }
                if (rest > 0) sum += WindowsLoss(model, tokens, fullWindows * T, 1, rest) * rest;
            }
        }
        finally
        {
            if (training) model.Train();
        }
        return sum / predictions;
    }

    /// <summary>Mean loss of <paramref name="windows"/> consecutive windows of length <paramref name="T"/> starting at <paramref name="start"/>.</summary>
    private static double WindowsLoss(Gpt model, ReadOnlySpan<ushort> tokens, int start, int windows, int T)
    {
        using var scope = new TensorScope();
        var x = new int[windows * T];
        var y = new int[windows * T];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = tokens[start + i];
            y[i] = tokens[start + i + 1];
        }
        return model.Loss(Tensor.FromArray(x, windows, T), Tensor.FromArray(y, windows, T)).Item();
    }
}
