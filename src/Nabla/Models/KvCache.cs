using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// The keys and values a GPT has computed for the tokens it has read, per layer, so that reading one more token
/// costs one position's work: its q, k and v, its attention over the cached keys, its MLP. Without the cache,
/// every new token would run the whole context through the model again.
/// <code>
/// keys[l], values[l]: (1, nh, BlockSize, hs), positions 0..Length−1 filled
/// </code>
/// A prompt (several new positions) is computed here with tensor operations from each block's own c_attn and
/// c_proj weights, the same arithmetic as <see cref="CausalSelfAttention"/> restricted to the new rows; one new
/// position goes through the decoding step of KvCacheStep.cs, on plain buffers without allocation.
/// It computes without a graph; put the model in evaluation mode first (<see cref="Gpt.Generate"/> does), or the
/// MLP's dropout would act.
/// </summary>
public sealed partial class KvCache
{
    private readonly Gpt model;
    private readonly Tensor[] keys, values;

    public KvCache(Gpt model)
    {
        this.model = model;
        GptConfig c = model.Config;
        int hs = c.NEmbd / c.NHead;
        keys = new Tensor[c.NLayer];
        values = new Tensor[c.NLayer];
        for (int l = 0; l < c.NLayer; l++)
        {
            // Creation functions, not operations: no TensorScope reclaims them between tokens.
            keys[l] = Tensor.Zeros(1, c.NHead, c.BlockSize, hs);
            values[l] = Tensor.Zeros(1, c.NHead, c.BlockSize, hs);
        }
    }

    /// <summary>Positions filled so far (≤ BlockSize).</summary>
    public int Length { get; private set; }

    /// <summary>Forgets every position (the next token is read at position 0).</summary>
    public void Clear() => Length = 0;

    /// <summary>
    /// Reads <paramref name="tokens"/> at positions Length, Length + 1, … and returns the logits (V) for the token
    /// after the last of them. A prompt is read in one call (each new position attends to the cache and to the
    /// new positions before it); generation then reads one token per call.
    /// </summary>
    public float[] Append(ReadOnlySpan<int> tokens)
    {
        GptConfig c = model.Config;
        if (tokens.Length == 1 && !(model.IsTraining && c.Dropout > 0f)) return AppendOne(tokens[0]).ToArray();
        int n = tokens.Length, p = Length, C = c.NEmbd, nh = c.NHead, hs = C / nh;
        if (n < 1) throw new ArgumentException("KvCache: no tokens to append");
        if (p + n > c.BlockSize)
            throw new ArgumentException($"KvCache: {p} cached + {n} new positions exceed the block size {c.BlockSize}; clear it and read the last tokens again");
        foreach (int token in tokens)
            if ((uint)token >= (uint)c.VocabSize) throw new ArgumentException($"KvCache: token {token} is outside the vocabulary [0, {c.VocabSize})");

        using var grad = Tensor.NoGrad();
        using var scope = new TensorScope();
        GptTransformer t = model.Transformer;
        var positions = new int[n];
        for (int i = 0; i < n; i++) positions[i] = p + i;
        Tensor x = t.Wte.Forward(Tensor.FromArray(tokens, 1, n))            // (1, n, C)
                   + t.Wpe.Forward(Tensor.FromArray(positions, n));         // (n, C)
        Tensor? mask = n > 1 ? FutureMask(n, p) : null;                    // (n, p + n)
        int layer = 0;
        foreach (GptBlock block in t.Blocks)
        {
            CausalSelfAttention attn = block.Attn;
            Tensor qkv = Linear.Affine(block.Ln1.Forward(x), attn.CAttn.Weight, attn.CAttn.Bias) // (1, n, 3C)
                .View(1, n, 3, nh, hs).Permute(2, 0, 3, 1, 4);              // (3, 1, nh, n, hs)
            Tensor q = qkv.Select(0, 0);                                    // (1, nh, n, hs)
            keys[layer].Narrow(2, p, n).CopyFrom(qkv.Select(0, 1));         // the new keys into their rows
            values[layer].Narrow(2, p, n).CopyFrom(qkv.Select(0, 2));
            Tensor k = keys[layer].Narrow(2, 0, p + n);                     // (1, nh, p + n, hs): everything read so far
            Tensor v = values[layer].Narrow(2, 0, p + n);

            Tensor att = q.MatMul(k.Transpose(-2, -1)) * (1f / MathF.Sqrt(hs)); // (1, nh, n, p + n)
            if (mask is not null) att = att.MaskedFill(mask, float.NegativeInfinity);
            Tensor y = att.Softmax(-1).MatMul(v);                           // (1, nh, n, hs)
            y = y.Transpose(1, 2).Reshape(1, n, C);                         // (1, n, C)
            x = x + Linear.Affine(y, attn.CProj.Weight, attn.CProj.Bias);   // (1, n, C)
            x = x + block.Mlp.Forward(block.Ln2.Forward(x));                // (1, n, C)
            layer++;
        }
        Length = p + n;
        Tensor last = t.LnF.Forward(x).Select(1, n - 1);                    // (1, C)
        return model.Head(last).ToArray();                                  // (1, V) → V
    }

    /// <summary>[n, p + n] with 1 where new position p + i would see a later new position s > p + i.</summary>
    private static Tensor FutureMask(int n, int p)
    {
        var above = new float[n * (p + n)];
        for (int i = 0; i < n; i++)
            for (int s = p + i + 1; s < p + n; s++) above[i * (p + n) + s] = 1f;
        return Tensor.FromArray(above, n, p + n);
    }
}
