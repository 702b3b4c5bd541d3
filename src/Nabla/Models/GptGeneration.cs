using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>How <see cref="Gpt.Generate"/> picks each token and when it stops.</summary>
/// <param name="Temperature">Logits are divided by it: below 1 sharper, above 1 flatter; 0 always takes the most likely token (greedy).</param>
/// <param name="TopK">Sample only among the k most likely tokens (null: all).</param>
/// <param name="TopP">Nucleus sampling (Holtzman et al. 2019): only among the most likely tokens whose probabilities first sum to p (null: off).</param>
/// <param name="StopToken">Generation ends when this token is drawn; it is not returned or streamed (null: none).</param>
/// <param name="UseCache">Keep keys and values (<see cref="KvCache"/>) so each token costs one position; false runs the whole context per token, as nanoGPT.</param>
/// <param name="SlideBy">
/// When the context fills the block, the oldest <paramref name="SlideBy"/> tokens are dropped and the cache is
/// refilled from the rest (one forward over the block). 1 reproduces nanoGPT's crop to the last BlockSize tokens
/// exactly, at a full forward per token; null: a quarter of the block.
/// </param>
public sealed record SamplingOptions(float Temperature = 1f, int? TopK = null, float? TopP = null, int? StopToken = null,
    bool UseCache = true, int? SlideBy = null);

public sealed partial class Gpt
{
    /// <summary>
    /// Continues <paramref name="prompt"/> by up to <paramref name="maxNewTokens"/> tokens, each drawn from the model's
    /// distribution for the next token (shaped by <paramref name="options"/>) with <paramref name="generator"/>, and
    /// handed to <paramref name="onToken"/> as soon as it is drawn. Returns the new tokens. Runs in evaluation mode
    /// without a graph; the model's mode is restored after.
    /// </summary>
    public int[] Generate(IReadOnlyList<int> prompt, int maxNewTokens, Generator generator, SamplingOptions? options = null, Action<int>? onToken = null)
    {
        options ??= new SamplingOptions();
        int blockSize = Config.BlockSize;
        if (prompt.Count == 0) throw new ArgumentException("Generate: the prompt is empty (start with at least one token, e.g. a newline)");
        if (maxNewTokens < 0) throw new ArgumentException($"Generate: max new tokens must be ≥ 0, got {maxNewTokens}");
        foreach (int token in prompt)
            if ((uint)token >= (uint)Config.VocabSize) throw new ArgumentException($"Generate: prompt token {token} is outside the vocabulary [0, {Config.VocabSize})");
        TokenSampler.Validate(options, Config.VocabSize);
        int slideBy = options.SlideBy ?? Math.Max(1, blockSize / 4);
        if (slideBy < 1 || slideBy > blockSize) throw new ArgumentException($"Generate: slide-by must be in [1, {blockSize}], got {slideBy}");

        bool wasTraining = IsTraining;
        Eval();
        try
        {
            var context = new List<int>(prompt);
            var generated = new List<int>();
            KvCache? cache = options.UseCache ? new KvCache(this) : null;
            ReadOnlySpan<float> logits = cache is not null ? cache.Append(Window(context, blockSize)) : NextLogits(context);
            while (generated.Count < maxNewTokens)
            {
                int next = TokenSampler.Pick(logits, options, generator);
                if (next == options.StopToken) break;
                generated.Add(next);
                context.Add(next);
                onToken?.Invoke(next);
                if (generated.Count == maxNewTokens) break;
                if (cache is null) logits = NextLogits(context);
                else if (cache.Length < blockSize) logits = cache.AppendOne(next);   // no allocation per token
                else
                {
                    // The block is full: drop the oldest tokens and read the rest again from position 0, since
                    // every cached key carries its position's embedding.
                    cache.Clear();
                    logits = cache.Append(Window(context, blockSize - slideBy + 1));
                }
            }
            return generated.ToArray();
        }
        finally
        {
            Train(wasTraining);
        }
    }

    /// <summary>Without a cache: the whole context, cropped to the block, through the model (nanoGPT's generate).</summary>
    private float[] NextLogits(List<int> context)
    {
        using var grad = Tensor.NoGrad();
        using var scope = new TensorScope();
        int[] window = Window(context, Config.BlockSize);
        return LastLogits(Tensor.FromArray(window, 1, window.Length)).ToArray(); // (1, V) → V
    }

    private static int[] Window(List<int> context, int length) =>
        context.GetRange(Math.Max(0, context.Count - length), Math.Min(length, context.Count)).ToArray();
}
