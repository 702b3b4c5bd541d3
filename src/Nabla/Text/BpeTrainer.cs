using System.Runtime.InteropServices;
using Nabla.Text.Bpe;
using Nabla.Text.Splitting;

namespace Nabla.Text;

/// <summary>
/// Learns byte-pair merges from a text (Sennrich et al. 2016; byte-level as in GPT-2). Repeatedly, the most
/// frequent adjacent pair of tokens becomes a new token. Ties go to the smallest pair: the lower left id,
/// then the lower right id (minbpe instead takes the pair seen first in the text; ours does not depend on
/// how the text is ordered). Merges never cross a chunk of the split pattern, nor a special token.
///
/// It is fast because it never rescans the text: identical chunks are counted once and weighted by their
/// frequency; each pair knows the chunks it occurs in; after a merge only those chunks are revisited and
/// the pair counts around each change are updated in place; a max-heap holds the counts, and an entry that
/// went stale (its count dropped since) is re-queued with its current count when it surfaces.
/// </summary>
public static class BpeTrainer
{
    /// <summary>The largest vocabulary: ids are packed in 21 bits in the merge table.</summary>
    public const int MaxVocabSize = PairTable.MaxId + 1;

    /// <summary>Trains a tokenizer of <paramref name="vocabSize"/> ids: the 256 bytes, the merges, then the special tokens (fewer
    /// merges, and so fewer ids, only when the text runs out of pairs: every chunk has become one token).
    /// <paramref name="progress"/> hears (merges done, merges wanted) every so often.</summary>
    public static BpeTokenizer Train(string text, int vocabSize, string? pattern = Patterns.Cl100k,
        IReadOnlyList<string>? specialTokens = null, Action<int, int>? progress = null)
    {
        specialTokens ??= [];
        int mergeCount = vocabSize - 256 - specialTokens.Count;
        if (mergeCount < 0)
            throw new ArgumentException($"Train: vocabulary size {vocabSize} is below 256 bytes + {specialTokens.Count} special tokens", nameof(vocabSize));
        if (vocabSize > MaxVocabSize)
            throw new ArgumentException($"Train: vocabulary size {vocabSize} is above {MaxVocabSize:N0} (token ids are packed in 21 bits)", nameof(vocabSize));
        if (specialTokens.Distinct().Count() != specialTokens.Count || specialTokens.Any(string.IsNullOrEmpty))
            throw new ArgumentException("Train: special tokens must be distinct and non-empty", nameof(specialTokens));

        var (words, counts) = CountChunks(text, ChunkSplitter.ForPattern(string.IsNullOrEmpty(pattern) ? null : pattern), specialTokens);
        var merges = Learn(words, counts, mergeCount, progress);
        var specials = new Dictionary<string, int>();
        for (int i = 0; i < specialTokens.Count; i++) specials[specialTokens[i]] = 256 + merges.Length + i;
        return FromMerges("trained", merges, pattern, specials);
    }

    /// <summary>A tokenizer from its merge list (merge i makes token 256 + i) over the identity byte order.</summary>
    public static BpeTokenizer FromMerges(string name, (int Left, int Right)[] merges, string? pattern, IReadOnlyDictionary<string, int>? specialTokens)
    {
        var identity = new int[256];
        for (int b = 0; b < 256; b++) identity[b] = b;
        return FromMerges(name, merges, identity, pattern, specialTokens);
    }

    /// <summary>A tokenizer from merges over byte tokens in the order <paramref name="byteToToken"/> gives
    /// (minbpe's GPT-4 "byte shuffle": cl100k's single bytes do not have ids 0–255 in byte order).</summary>
    internal static BpeTokenizer FromMerges(string name, (int Left, int Right)[] merges, int[] byteToToken, string? pattern,
        IReadOnlyDictionary<string, int>? specialTokens)
    {
        var tokens = new byte[]?[256 + merges.Length];
        for (int b = 0; b < 256; b++) tokens[byteToToken[b]] = [(byte)b];
        var table = new PairTable(merges.Length);
        for (int i = 0; i < merges.Length; i++)
        {
            var (left, right) = merges[i];
            int id = 256 + i;
            if ((uint)left >= id || (uint)right >= id)
                throw new ArgumentException($"merge {i} ({left}, {right}) refers to a token not made yet (ids below {id} exist)");
            if (!table.TryAdd(left, right, id)) throw new ArgumentException($"merge {i} ({left}, {right}) appears twice");
            tokens[id] = [.. tokens[left]!, .. tokens[right]!];
        }
        return new BpeTokenizer(name, new BytePairModel(byteToToken, tokens, table, wholeTokens: null), pattern, specialTokens, merges);
    }

    /// <summary>Unique chunks (as byte sequences) and how often each occurs. Long texts are cut in two at a place
    /// where every GPT pattern ends a chunk, and the halves are counted on two cores.</summary>
    private static (List<int[]> Words, List<int> Counts) CountChunks(string text, CoveringSplitter splitter, IReadOnlyList<string> specials)
    {
        var pieces = new List<(int From, int To)>();
        foreach (var (from, to) in SegmentsBetweenSpecials(text, specials))
        {
            int cut = splitter.EndsChunkAfterLoneNewline && to - from > 1 << 16 ? SafeCut(text, from + (to - from) / 2, to) : -1;
            if (cut < 0) pieces.Add((from, to));
            else { pieces.Add((from, cut)); pieces.Add((cut, to)); }
        }
        var partial = new Dictionary<string, int>[pieces.Count];
        Parallel.For(0, pieces.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(2, Environment.ProcessorCount) },
            i => partial[i] = CountPiece(text.AsSpan(pieces[i].From, pieces[i].To - pieces[i].From), splitter));

        var total = partial[0];
        for (int i = 1; i < partial.Length; i++)
            foreach (var (chunk, count) in partial[i])
                CollectionsMarshal.GetValueRefOrAddDefault(total, chunk, out _) += count;
        var words = new List<int[]>(total.Count);
        var counts = new List<int>(total.Count);
        foreach (var (chunk, count) in total)
        {
            words.Add(Array.ConvertAll(System.Text.Encoding.UTF8.GetBytes(chunk), b => (int)b));
            counts.Add(count);
        }
        return (words, counts);
    }

    private static Dictionary<string, int> CountPiece(ReadOnlySpan<char> piece, ChunkSplitter splitter)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = index.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int position = 0; splitter.TryNextChunk(piece, position, out int start, out int end); position = end)
            CollectionsMarshal.GetValueRefOrAddDefault(lookup, piece[start..end], out _)++;
        return index;
    }

    /// <summary>A position at or after <paramref name="from"/> just after a lone newline between two non-space
    /// characters ("x\ny"): the GPT-2, GPT-4 and GPT-4o patterns all end a chunk there, so text cut there splits
    /// the same as whole. -1 when there is none.</summary>
    private static int SafeCut(string text, int from, int to)
    {
        for (int i = Math.Max(from, 2); i < to; i++)
            if (text[i - 1] == '\n' && !char.IsWhiteSpace(text[i - 2]) && !char.IsWhiteSpace(text[i]) && !char.IsSurrogate(text[i - 2]))
                return i;
        return -1;
    }

    private static IEnumerable<(int From, int To)> SegmentsBetweenSpecials(string text, IReadOnlyList<string> specials)
    {
        int position = 0;
        while (true)
        {
            int next = -1, length = 0;
            foreach (string special in specials)
            {
                int at = text.IndexOf(special, position, StringComparison.Ordinal);
                if (at >= 0 && (next < 0 || at < next)) { next = at; length = special.Length; }
            }
            if (next < 0) break;
            yield return (position, next);
            position = next + length;
        }
        yield return (position, text.Length);
    }

    private static long Key(int left, int right) => (long)left << 32 | (uint)right;

    /// <summary>Heap order as one number, smallest first: higher count first; on a tie, the smaller pair.</summary>
    private static Int128 Priority(int count, long pair) => (Int128)(uint)(int.MaxValue - count) << 64 | (ulong)pair;

    private static int CountOf(Int128 priority) => int.MaxValue - (int)(uint)(priority >> 64);

    private static (int Left, int Right)[] Learn(List<int[]> words, List<int> counts, int mergeCount, Action<int, int>? progress)
    {
        var lengths = new int[words.Count];
        var pairCounts = new Dictionary<long, int>();
        var where = new Dictionary<long, List<int>>();   // pair → chunks it occurs in (may repeat or be stale)
        for (int w = 0; w < words.Count; w++)
        {
            int[] word = words[w];
            lengths[w] = word.Length;
            for (int i = 0; i + 1 < word.Length; i++)
            {
                long key = Key(word[i], word[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, key, out _) += counts[w];
                AddWhere(where, key, w);
            }
        }
        var heap = new PriorityQueue<long, Int128>(pairCounts.Count);
        foreach (var (pair, count) in pairCounts) heap.Enqueue(pair, Priority(count, pair));

        var merges = new List<(int, int)>(Math.Min(mergeCount, pairCounts.Count)); // what the text can give, not what was asked
        var visited = new int[words.Count];
        Array.Fill(visited, -1);
        int reportEvery = Math.Max(1, mergeCount / 100);
        while (merges.Count < mergeCount && heap.TryDequeue(out long pair, out Int128 priority))
        {
            int current = pairCounts.GetValueOrDefault(pair);
            if (current != CountOf(priority))
            {
                if (current > 0) heap.Enqueue(pair, Priority(current, pair)); // stale: its count fell since
                continue;
            }
            int left = (int)(pair >> 32), right = (int)pair, id = 256 + merges.Count;
            merges.Add((left, right));

            foreach (int w in where[pair])
            {
                if (visited[w] == id) continue; // listed twice
                visited[w] = id;
                MergeInWord(words[w], ref lengths[w], left, right, id, counts[w], w, pairCounts, where, heap);
            }
            where.Remove(pair);
            pairCounts.Remove(pair);
            if (progress is not null && (merges.Count % reportEvery == 0 || merges.Count == mergeCount)) progress(merges.Count, mergeCount);
        }
        return merges.ToArray();
    }

    /// <summary>Replaces every (left, right) in one chunk by <paramref name="id"/>, left to right, and moves the counts of the
    /// pairs around each replacement: (prev, left) and (right, next) lose <paramref name="weight"/>, (prev, id) and (id, next) gain it.</summary>
    private static void MergeInWord(int[] word, ref int length, int left, int right, int id, int weight, int w,
        Dictionary<long, int> pairCounts, Dictionary<long, List<int>> where, PriorityQueue<long, Int128> heap)
    {
        int n = length, write = 0;
        for (int read = 0; read < n;)
        {
            if (read + 1 < n && word[read] == left && word[read + 1] == right)
            {
                if (write > 0)
                {
                    Change(Key(word[write - 1], left), -weight);
                    Change(Key(word[write - 1], id), weight);
                }
                if (read + 2 < n)
                {
                    // When next starts another (left, right), the (id, left) counted here is taken back there.
                    Change(Key(right, word[read + 2]), -weight);
                    Change(Key(id, word[read + 2]), weight);
                }
                word[write++] = id;
                read += 2;
            }
            else word[write++] = word[read++];
        }
        length = write;

        void Change(long key, int delta)
        {
            ref int count = ref CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, key, out _);
            count += delta;
            if (delta > 0)
            {
                heap.Enqueue(key, Priority(count, key));
                AddWhere(where, key, w);
            }
        }
    }

    private static void AddWhere(Dictionary<long, List<int>> where, long key, int w)
    {
        ref List<int>? list = ref CollectionsMarshal.GetValueRefOrAddDefault(where, key, out _);
        list ??= [];
        if (list.Count == 0 || list[^1] != w) list.Add(w);
    }
}
