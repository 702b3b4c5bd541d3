using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.IO;

/// <summary>
/// An independent reading of an llm.c checkpoint into libtorch, written from llm.c's own description
/// (train_gpt2.c's gpt2_build_from_checkpoint and fill_in_parameter_sizes): the 256-int header, then sixteen
/// flat tensors, the per-layer ones stacked. The forward is GPT-2's in libtorch's functional form over those
/// stacked leaves, as llm.c computes it (tanh GELU, logits over the first V rows of the padded wte), so its
/// gradients come out in the file's layout, with zero padded rows.
/// </summary>
internal sealed class LlmcTorchReference : IDisposable
{
    public static readonly string[] Names =
        ["wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb", "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb"];

    public int[] Header { get; }
    public int MaxT => Header[2];
    public int V => Header[3];
    public int L => Header[4];
    public int NH => Header[5];
    public int C => Header[6];
    public int Vp => Header[7];

    /// <summary>The sixteen tensors by llm.c's name, as leaves that record gradients.</summary>
    public Dictionary<string, TorchSharp.Modules.Parameter> Parameters { get; } = [];

    private readonly DisposeScope scope = torch.NewDisposeScope();

    public LlmcTorchReference(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        Header = Enumerable.Range(0, 256).Select(_ => reader.ReadInt32()).ToArray();
        Assert.Equal(20240326, Header[0]);
        bool bf16 = Header[1] == 5;
        Assert.True(Header[1] is 3 or 5, $"version {Header[1]}");
        foreach (var (name, shape) in Names.Zip(Shapes()))
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            TT t;
            if (bf16)
            {
                // bfloat16 is the upper half of a float32's bits.
                var raw = new float[count];
                for (long i = 0; i < count; i++) raw[i] = BitConverter.Int32BitsToSingle(reader.ReadUInt16() << 16);
                t = torch.tensor(raw, shape);
            }
            else
            {
                var raw = new float[count];
                for (long i = 0; i < count; i++) raw[i] = reader.ReadSingle();
                t = torch.tensor(raw, shape);
            }
            Parameters[name] = new TorchSharp.Modules.Parameter(t, requires_grad: true);
        }
        Assert.Equal(reader.BaseStream.Length, reader.BaseStream.Position);
    }

    /// <summary>The shapes of fill_in_parameter_sizes, per-layer tensors with their leading L.</summary>
    public long[][] Shapes() =>
    [
        [Vp, C], [MaxT, C], [L, C], [L, C], [L, 3 * C, C], [L, 3 * C], [L, C, C], [L, C], [L, C], [L, C],
        [L, 4 * C, C], [L, 4 * C], [L, C, 4 * C], [L, C], [C], [C],
    ];

    /// <summary>idx (B, T) int64 → logits (B, T, V).</summary>
    public TT Logits(TT idx)
    {
        var w = Parameters.ToDictionary(p => p.Key, p => (TT)p.Value);
        long B = idx.shape[0], T = idx.shape[1], hs = C / NH;
        TT Norm(TT x, TT weight, TT bias) => nn.functional.layer_norm(x, [C], weight, bias, 1e-5);
        TT Heads(TT z) => z.view(B, T, NH, hs).transpose(1, 2);

        TT x = w["wte"][idx] + w["wpe"].narrow(0, 0, T);
        for (int l = 0; l < L; l++)
        {
            TT[] qkv = nn.functional.linear(Norm(x, w["ln1w"][l], w["ln1b"][l]), w["qkvw"][l], w["qkvb"][l]).split(C, 2);
            TT y = nn.functional.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), null, 0.0, true);
            x = x + nn.functional.linear(y.transpose(1, 2).contiguous().view(B, T, C), w["attprojw"][l], w["attprojb"][l]);
            TT h = nn.functional.linear(Norm(x, w["ln2w"][l], w["ln2b"][l]), w["fcw"][l], w["fcb"][l]);
            h = nn.functional.gelu(h, TorchSharp.Modules.GELU.Approximate.tanh);
            x = x + nn.functional.linear(h, w["fcprojw"][l], w["fcprojb"][l]);
        }
        return nn.functional.linear(Norm(x, w["lnfw"], w["lnfb"]), w["wte"].narrow(0, 0, V));
    }

    /// <summary>Logits, mean cross-entropy, and the gradients it leaves on the sixteen leaves.</summary>
    public (TT Logits, TT Loss) ForwardBackward(TT idx, TT targets)
    {
        foreach (TT p in Parameters.Values) p.grad?.zero_();
        TT logits = Logits(idx);
        TT loss = nn.functional.cross_entropy(logits.view(-1, V), targets.view(-1));
        loss.backward();
        return (logits, loss);
    }

    /// <summary>One flat array in the file's order: what llm.c's grads_memory holds.</summary>
    public float[] FlatGradients() =>
        Names.SelectMany(n => Parameters[n].grad!.contiguous().data<float>().ToArray()).ToArray();

    /// <summary>The llm.c tensor and index within it that the Hugging Face parameter <paramref name="name"/> is.</summary>
    public TT Slice<TTensor>(Dictionary<string, TTensor> tensors, string name) where TTensor : TT
    {
        if (name == "transformer.wte.weight") return tensors["wte"].narrow(0, 0, V);
        if (name == "transformer.wpe.weight") return tensors["wpe"];
        if (name == "transformer.ln_f.weight") return tensors["lnfw"];
        if (name == "transformer.ln_f.bias") return tensors["lnfb"];
        string[] parts = name.Split('.');                    // transformer.h.{l}.{module}.{...}
        int layer = int.Parse(parts[2]);
        string suffix = string.Join('.', parts[3..]);
        string llmc = suffix switch
        {
            "ln_1.weight" => "ln1w", "ln_1.bias" => "ln1b", "attn.c_attn.weight" => "qkvw", "attn.c_attn.bias" => "qkvb",
            "attn.c_proj.weight" => "attprojw", "attn.c_proj.bias" => "attprojb", "ln_2.weight" => "ln2w", "ln_2.bias" => "ln2b",
            "mlp.c_fc.weight" => "fcw", "mlp.c_fc.bias" => "fcb", "mlp.c_proj.weight" => "fcprojw", "mlp.c_proj.bias" => "fcprojb",
            _ => throw new ArgumentException($"no llm.c tensor for '{name}'"),
        };
        return tensors[llmc][layer];
    }

    public Dictionary<string, TT> Gradients() => Parameters.ToDictionary(p => p.Key, p => p.Value.grad!);

    public void Dispose() => scope.Dispose();
}
