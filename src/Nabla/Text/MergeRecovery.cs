using Nabla.Text.Bpe;

namespace Nabla.Text;

/// <summary>
/// minbpe's GPT-4 path: a tiktoken rank file stores tokens, not merges, yet the merges can be recovered.
/// For each token, run BPE on its own bytes using only the tokens ranked before it: it ends as exactly two
/// tokens, and those are the pair it was merged from. One more detail: cl100k's single-byte tokens are not
/// numbered in byte order (byte b has some rank ≠ b), so the bytes are first permuted — the "byte shuffle".
/// Merges + shuffle, run as ordinary merge-by-rank BPE, reproduce the encoding token for token.
/// </summary>
public sealed record RecoveredMerges((int Left, int Right)[] Merges, int[] ByteShuffle, string? Pattern, IReadOnlyDictionary<string, int> SpecialTokens)
{
    /// <summary>Recovers the merges of a pretrained encoding (gpt2, cl100k_base, o200k_base).</summary>
    public static RecoveredMerges From(BpeTokenizer encoding)
    {
        BytePairModel model = encoding.Model;
        var shuffle = new int[256];
        for (int b = 0; b < 256; b++)
        {
            shuffle[b] = model.ByteToToken[b];
            if (shuffle[b] >= 256) throw new InvalidOperationException($"{encoding.Name}: byte 0x{b:X2} has rank {shuffle[b]}, not one of the first 256");
        }
        var merges = new (int, int)[model.TokenBytes.Length - 256];
        for (int rank = 256; rank < model.TokenBytes.Length; rank++)
        {
            byte[] token = model.TokenBytes[rank] ?? throw new InvalidOperationException($"{encoding.Name}: no token has rank {rank}");
            merges[rank - 256] = SplitInTwo(model, token, rank, encoding.Name);
        }
        return new RecoveredMerges(merges, shuffle, encoding.Pattern, encoding.SpecialTokens);
    }

    /// <summary>BPE on <paramref name="token"/> with merges of rank below <paramref name="maxRank"/> only.</summary>
    private static (int, int) SplitInTwo(BytePairModel model, byte[] token, int maxRank, string name)
    {
        var parts = new List<int>(token.Length);
        foreach (byte b in token) parts.Add(model.ByteToToken[b]);
        while (parts.Count > 2)
        {
            int best = int.MaxValue, at = -1;
            for (int i = 0; i + 1 < parts.Count; i++)
            {
                int merged = model.Merges.Get(parts[i], parts[i + 1]);
                if (merged < best && merged < maxRank) { best = merged; at = i; }
            }
            if (at < 0) break;
            parts[at] = best;
            parts.RemoveAt(at + 1);
        }
        if (parts.Count != 2) throw new InvalidOperationException($"{name}: token of rank {maxRank} does not split into two earlier tokens");
        return (parts[0], parts[1]);
    }

    /// <summary>The recovered merges as a merge-by-rank tokenizer (no whole-token lookup: merges alone).</summary>
    public BpeTokenizer ToTokenizer() => BpeTrainer.FromMerges("recovered", Merges, ByteShuffle, Pattern, SpecialTokens);
}
