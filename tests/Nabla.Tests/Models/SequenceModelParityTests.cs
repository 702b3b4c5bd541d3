using Nabla.Data;
using Nabla.Models;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.Models;

/// <summary>
/// Each sequence model against the same model written in libtorch as makemore.py writes it, reading the
/// weights from Nabla's state dict by name: logits, loss (cross-entropy with ignore index −1) and the
/// gradient of every parameter must agree. Then finite differences end to end, and causality.
/// </summary>
public class SequenceModelParityTests
{
    private static readonly Words Names = new(["emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia"]);

    private static MakemoreConfig Config(int embd = 8, int embd2 = 12, int layers = 2, int heads = 2) => new()
    {
        VocabularySize = Names.VocabularySize, BlockSize = Names.MaxLength + 1,
        NEmbd = embd, NEmbd2 = embd2, NLayer = layers, NHead = heads,
    };

    public static TheoryData<string> Types => ["rnn", "gru", "bow", "transformer"];

    [Theory]
    [MemberData(nameof(Types))]
    public void LogitsLossAndGradientsMatchLibtorchLoadedByName(string type)
    {
        using var scope = NewDisposeScope();
        MakemoreConfig config = Config();
        var model = (SequenceModel)MakemoreModels.Create(type, config, new Generator(31));
        Dictionary<string, Tensor> state = model.StateDict();
        Dictionary<string, TT> p = state.ToDictionary(s => s.Key, s => TorchParity.ToTorch(s.Value));
        var (x, y) = Names.Sequences(Names.Items, config.BlockSize);
        TT tx = TorchParity.ToTorch(x), ty = TorchParity.ToTorch(y);

        TT expectedLogits = TorchLogits(type, p, tx, config);
        TorchParity.AssertClose("logits", model.Forward(x), expectedLogits, TorchParity.DefaultTolerance);
        // A sequence shorter than the block, as sampling feeds: the prediction at each position is the same.
        TorchParity.AssertClose("logits of a prefix", model.Forward(x.Narrow(1, 0, 4)),
            TorchLogits(type, p, tx[.., ..4], config), TorchParity.DefaultTolerance);

        Tensor loss = model.Loss(x, y);
        TT expectedLoss = nn.functional.cross_entropy(expectedLogits.view(-1, config.VocabularySize), ty.view(-1), ignore_index: -1);
        TorchParity.AssertClose("loss", loss, expectedLoss, TorchParity.DefaultTolerance);

        loss.Backward();
        expectedLoss.backward();
        foreach (var (name, parameter) in state)
            TorchParity.AssertClose($"gradient of {name}", parameter.Grad!, p[name].grad!, TorchParity.DefaultTolerance);
    }

    /// <summary>makemore.py's forward of each model, in libtorch, from weights named as in its state dict.</summary>
    private static TT TorchLogits(string type, Dictionary<string, TT> p, TT idx, MakemoreConfig c)
    {
        long B = idx.shape[0], T = idx.shape[1];
        TT Embed(string table, TT indices) => p[table].index_select(0, indices.flatten()).view([.. indices.shape, -1]);
        TT Linear(string name, TT x) => nn.functional.linear(x, p[name + ".weight"], p.GetValueOrDefault(name + ".bias"));
        TT Norm(string name, TT x) => nn.functional.layer_norm(x, [c.NEmbd], p[name + ".weight"], p[name + ".bias"], 1e-5);
        TT future = ones(T, T).triu(1).to(ScalarType.Bool);   // true where s > t

        switch (type)
        {
            case "rnn":
            case "gru":
            {
                TT emb = Embed("wte.weight", idx);                                       // (B, T, n_embd)
                TT h = p["start"].expand(B, -1);
                var hiddens = new List<TT>();
                for (int t = 0; t < T; t++) hiddens.Add(h = type == "rnn" ? MakemoreRnnCell(p, emb[.., t], h) : GruCell(p, emb[.., t], h));
                return Linear("lm_head", stack(hiddens, 1));
            }
            case "bow":
            {
                TT x = Embed("wte.weight", idx) + Embed("wpe.weight", arange(T));
                TT att = zeros(B, T, T).masked_fill(future, float.NegativeInfinity).softmax(-1);
                x = x + att.matmul(x);
                x = x + Linear("context_block.mlp.c_proj", Linear("context_block.mlp.c_fc", x).tanh());
                return Linear("lm_head", x);
            }
            default:
            {
                long C = c.NEmbd, nh = c.NHead, hs = C / nh;
                TT x = Embed("transformer.wte.weight", idx) + Embed("transformer.wpe.weight", arange(T));
                for (int l = 0; l < c.NLayer; l++)
                {
                    string at = $"transformer.h.{l}.";
                    TT[] qkv = Linear(at + "attn.c_attn", Norm(at + "ln_1", x)).split(C, 2);
                    TT Heads(TT z) => z.view(B, T, nh, hs).transpose(1, 2);
                    TT att = Heads(qkv[0]).matmul(Heads(qkv[1]).transpose(-2, -1)) * (1.0 / Math.Sqrt(hs));
                    att = att.masked_fill(future, float.NegativeInfinity).softmax(-1);
                    TT yAtt = att.matmul(Heads(qkv[2])).transpose(1, 2).contiguous().view(B, T, C);
                    x = x + Linear(at + "attn.c_proj", yAtt);
                    x = x + Linear(at + "mlp.c_proj", NewGelu(Linear(at + "mlp.c_fc", Norm(at + "ln_2", x))));
                }
                return Linear("lm_head", Norm("transformer.ln_f", x));
            }
        }
    }

    /// <summary>makemore.py's RNNCell: one Linear over [x, h], whose weight is [W_ih | W_hh] and bias b_ih + b_hh.</summary>
    private static TT MakemoreRnnCell(Dictionary<string, TT> p, TT x, TT h) =>
        nn.functional.linear(cat([x, h], 1), cat([p["cell.weight_ih"], p["cell.weight_hh"]], 1), p["cell.bias_ih"] + p["cell.bias_hh"]).tanh();

    /// <summary>PyTorch's nn.GRUCell equations (the reset gate after the hidden product), gates in the order r, z, n.</summary>
    private static TT GruCell(Dictionary<string, TT> p, TT x, TT h)
    {
        TT[] i = nn.functional.linear(x, p["cell.weight_ih"], p["cell.bias_ih"]).chunk(3, 1);
        TT[] g = nn.functional.linear(h, p["cell.weight_hh"], p["cell.bias_hh"]).chunk(3, 1);
        TT r = (i[0] + g[0]).sigmoid(), z = (i[1] + g[1]).sigmoid();
        TT n = (i[2] + r * g[2]).tanh();
        return (1 - z) * n + z * h;
    }

    /// <summary>makemore.py's NewGELU, written out.</summary>
    private static TT NewGelu(TT x) => 0.5 * x * (1.0 + (Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh());

    [Theory]
    [MemberData(nameof(Types))]
    public void GradientsMatchFiniteDifferencesEndToEnd(string type)
    {
        var words = new Words(["ab", "bca", "c"]);
        var config = new MakemoreConfig
        {
            VocabularySize = words.VocabularySize, BlockSize = words.MaxLength + 1, NEmbd = 4, NEmbd2 = 5, NLayer = 1, NHead = 2,
        };
        var model = (SequenceModel)MakemoreModels.Create(type, config, new Generator(32));
        var (x, y) = words.Sequences(words.Items, config.BlockSize);
        GradCheck.Check(_ => model.Loss(x, y), [.. model.Parameters()]);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void NoPredictionDependsOnALaterToken(string type)
    {
        MakemoreConfig config = Config();
        var model = MakemoreModels.Create(type, config, new Generator(33));
        int T = config.BlockSize, V = config.VocabularySize;
        Tensor x = Tensor.RandInt(0, V, [2, T], new Generator(34));
        float[] logits = model.Forward(x).ToArray();
        for (int t = 0; t < T - 1; t++)
        {
            int[] changed = x.ToIntArray();
            for (int b = 0; b < 2; b++)
                for (int s = t + 1; s < T; s++) changed[b * T + s] = (changed[b * T + s] + 1 + s % 3) % V;
            float[] after = model.Forward(Tensor.FromArray(changed, 2, T)).ToArray();
            for (int b = 0; b < 2; b++)
            {
                Range past = (b * T * V)..((b * T + t + 1) * V), future = ((b * T + t + 1) * V)..((b + 1) * T * V);
                Assert.Equal(logits[past], after[past]);
                Assert.NotEqual(logits[future], after[future]);
            }
        }
    }

    [Fact]
    public void TransformerNamesAreMakemoresAndItsHeadHasNoBias()
    {
        var model = new Transformer(Config(layers: 1), new Generator(35));
        Assert.Equal(
        [
            "lm_head.weight", "transformer.h.0.attn.c_attn.bias", "transformer.h.0.attn.c_attn.weight",
            "transformer.h.0.attn.c_proj.bias", "transformer.h.0.attn.c_proj.weight", "transformer.h.0.ln_1.bias",
            "transformer.h.0.ln_1.weight", "transformer.h.0.ln_2.bias", "transformer.h.0.ln_2.weight",
            "transformer.h.0.mlp.c_fc.bias", "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_proj.bias",
            "transformer.h.0.mlp.c_proj.weight", "transformer.ln_f.bias", "transformer.ln_f.weight",
            "transformer.wpe.weight", "transformer.wte.weight",
        ], model.StateDict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["start", "wte.weight", "cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh", "lm_head.weight", "lm_head.bias"],
            new Gru(Config(), new Generator(36)).StateDict().Keys);
    }

    [Fact]
    public void ParameterCountsAtMakemoresDefaultSizesAreMakemoresPlusItsGruDifference()
    {
        // makemore.py on names.txt (vocab 27, block 16, n_embd 64, n_embd2 64, 4 layers) has: transformer 204,544;
        // bow 12,827; rnn 11,803 (start 64, wte 1,728, xh_to_h 8,256, lm_head 1,755); gru 28,315 (three such
        // Linears). Nabla's cells keep PyTorch's two biases where makemore's Linear over [x, h] has one: +64 per gate.
        var config = new MakemoreConfig { VocabularySize = 27, BlockSize = 16, NEmbd = 64, NEmbd2 = 64, NLayer = 4, NHead = 4 };
        Assert.Equal(204_544, MakemoreModels.Create("transformer", config, new Generator(1)).ParameterCount());
        Assert.Equal(12_827, MakemoreModels.Create("bow", config, new Generator(1)).ParameterCount());
        Assert.Equal(11_803 + 64, MakemoreModels.Create("rnn", config, new Generator(1)).ParameterCount());
        Assert.Equal(28_315 + 3 * 64, MakemoreModels.Create("gru", config, new Generator(1)).ParameterCount());
    }

    [Fact]
    public void InputsOutsideTheBlockAreNamed()
    {
        var model = MakemoreModels.Create("transformer", Config(), new Generator(37));
        string message = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.ZerosInt(2, 11))).Message;
        Assert.Contains("Transformer: input [2,11] Int32 must be int32 (B, T) with 1 ≤ T ≤ block size 10", message);
        Assert.Contains("must be int32", Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 3))).Message);
    }
}
