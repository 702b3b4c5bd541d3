using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Text.Bpe;

/// <summary>
/// The heart of byte-pair encoding (Sennrich et al. 2016, on bytes as in GPT-2): a chunk starts as one token
/// per byte; while some adjacent pair has a merge, the pair whose merged token has the lowest id — the
/// earliest learned — is merged, the leftmost one when several tie. The same rule serves a tokenizer we
/// trained (its merge list) and a tiktoken rank file (where every split of every token into two tokens is a
/// merge: exactly tiktoken's "the concatenation is a token of lower rank" rule).
/// </summary>
internal sealed class BytePairModel
{
    /// <summary>Token id of each byte value (the identity for trained tokenizers; a permutation for tiktoken files).</summary>
    public readonly int[] ByteToToken;
    /// <summary>Bytes of each ordinary token, by id (null for ids without bytes, such as special tokens).</summary>
    public readonly byte[]?[] TokenBytes;
    public readonly PairTable Merges;
    /// <summary>When set, a chunk that is itself a token is that token, before any merge (tiktoken's rule).</summary>
    public readonly ByteSequenceTable? WholeTokens;

    public BytePairModel(int[] byteToToken, byte[]?[] tokenBytes, PairTable merges, ByteSequenceTable? wholeTokens)
    {
        ByteToToken = byteToToken;
        TokenBytes = tokenBytes;
        Merges = merges;
        WholeTokens = wholeTokens;
    }

    /// <summary>Beyond this many bytes a chunk is merged with a heap (n log n) rather than by scanning (n²).</summary>
    private const int ScanLimit = 96;

    private readonly ThreadLocal<ChunkCache> _caches = new(() => new ChunkCache());

    /// <summary>This thread's cache of recent chunks (fetch it once per text, not per chunk).</summary>
    public ChunkCache Cache => _caches.Value!;

    public void EncodeChunk(ReadOnlySpan<byte> chunk, List<int> output, ChunkCache? cache = null)
    {
        if (chunk.Length == 1) { output.Add(ByteToToken[chunk[0]]); return; }
        if (cache is not null)
        {
            if (chunk.Length <= ChunkCache.MaxBytes ? cache.TryAppend(chunk, output)
                : chunk.Length <= ChunkCache.MaxLongBytes && cache.TryAppendLong(chunk, output)) return;
        }
        int before = output.Count;
        int whole = WholeTokens is null ? -1 : WholeTokens.Find(chunk);
        if (whole >= 0) output.Add(whole);
        else if (chunk.Length <= ScanLimit) MergeByScanning(chunk, output);
        else MergeWithHeap(chunk, output);
        if (cache is null) return;
        ReadOnlySpan<int> tokens = CollectionsMarshal.AsSpan(output)[before..];
        if (chunk.Length <= ChunkCache.MaxBytes) cache.Store(chunk, tokens);
        else if (chunk.Length <= ChunkCache.MaxLongBytes) cache.StoreLong(chunk, tokens);
    }

    /// <summary>Short chunks: keep the tokens and the rank of each adjacent pair in two small arrays and scan for the minimum.</summary>
    [SkipLocalsInit]
    private void MergeByScanning(ReadOnlySpan<byte> chunk, List<int> output)
    {
        int n = chunk.Length;
        Span<int> tokens = stackalloc int[n];
        Span<int> ranks = stackalloc int[n];   // ranks[i]: what tokens[i], tokens[i+1] merge into (MaxValue: nothing)
        for (int i = 0; i < n; i++) tokens[i] = ByteToToken[chunk[i]];
        for (int i = 0; i + 1 < n; i++) ranks[i] = Merges.Get(tokens[i], tokens[i + 1]);

        while (n > 1)
        {
            int best = int.MaxValue, at = -1;
            for (int i = 0; i + 1 < n; i++)
                if (ranks[i] < best) { best = ranks[i]; at = i; }
            if (at < 0) break;

            tokens[at] = best;
            tokens.Slice(at + 2, n - at - 2).CopyTo(tokens.Slice(at + 1));
            ranks.Slice(at + 2, n - at - 2).CopyTo(ranks.Slice(at + 1));
            n--;
            if (at > 0) ranks[at - 1] = Merges.Get(tokens[at - 1], best);
            ranks[at] = at + 1 < n ? Merges.Get(best, tokens[at + 1]) : int.MaxValue;
        }
        for (int i = 0; i < n; i++) output.Add(tokens[i]);
    }

    /// <summary>Long chunks (a run of spaces, a long word in another script): a linked list of tokens and a
    /// min-heap of (rank, position) pairs; stale heap entries are skipped when popped. Same result as scanning.</summary>
    private void MergeWithHeap(ReadOnlySpan<byte> chunk, List<int> output)
    {
        int n = chunk.Length;
        var tokens = new int[n];
        var next = new int[n];
        var prev = new int[n];
        var rank = new int[n];           // rank of the pair that starts at i; MaxValue: none
        var heap = new PriorityQueue<int, long>(n);
        for (int i = 0; i < n; i++) { tokens[i] = ByteToToken[chunk[i]]; next[i] = i + 1; prev[i] = i - 1; }
        next[n - 1] = -1;
        for (int i = 0; i + 1 < n; i++) Push(i, Merges.Get(tokens[i], tokens[i + 1]));
        rank[n - 1] = int.MaxValue;

        while (heap.TryDequeue(out int at, out long key))
        {
            int r = (int)(key >> 32);
            if (tokens[at] < 0 || rank[at] != r) continue; // stale
            int right = next[at];
            tokens[at] = r;
            tokens[right] = -1;
            next[at] = next[right];
            if (next[at] >= 0) prev[next[at]] = at;
            if (prev[at] >= 0) Push(prev[at], Merges.Get(tokens[prev[at]], r));
            if (next[at] >= 0) Push(at, Merges.Get(r, tokens[next[at]]));
            else rank[at] = int.MaxValue;
        }
        for (int i = 0; i >= 0; i = next[i]) output.Add(tokens[i]);

        void Push(int i, int r)
        {
            rank[i] = r;
            if (r != int.MaxValue) heap.Enqueue(i, (long)r << 32 | (uint)i);
        }
    }
}
