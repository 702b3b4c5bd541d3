using Nabla.Models;
using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Tests.Models;

/// <summary>
/// The whole GPT against the same network written in libtorch's functional form, from copies of its weights looked
/// up by their Hugging Face names: logits and loss within 1e-4, every parameter's gradient within 1e-3.
/// </summary>
public class GptParityTests
{
    /// <summary>GPT-2's forward in libtorch, reading every weight by name (the tied head reads transformer.wte.weight).</summary>
    private static TT TorchLogits(Dictionary<string, TT> w, TT idx, GptConfig c)
    {
        long B = idx.shape[0], T = idx.shape[1], C = c.NEmbd, hs = C / c.NHead;
        TT? Bias(string name) => c.Bias ? w[name] : null;
        TT Norm(TT x, string name) => nn.functional.layer_norm(x, [C], w[name + ".weight"], Bias(name + ".bias"));
        TT Linear(TT x, string name) => nn.functional.linear(x, w[name + ".weight"], Bias(name + ".bias"));
        var approximate = c.Gelu == GeluApproximation.Tanh ? TorchSharp.Modules.GELU.Approximate.tanh : TorchSharp.Modules.GELU.Approximate.none;

        TT x = w["transformer.wte.weight"][idx] + w["transformer.wpe.weight"].narrow(0, 0, T);
        for (int l = 0; l < c.NLayer; l++)
        {
            string h = $"transformer.h.{l}";
            TT[] qkv = Linear(Norm(x, h + ".ln_1"), h + ".attn.c_attn").split(C, 2);
            TT Heads(TT z) => z.view(B, T, c.NHead, hs).transpose(1, 2);
            TT y = nn.functional.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), null, 0.0, true);
            x = x + Linear(y.transpose(1, 2).contiguous().view(B, T, C), h + ".attn.c_proj");
            x = x + Linear(nn.functional.gelu(Linear(Norm(x, h + ".ln_2"), h + ".mlp.c_fc"), approximate), h + ".mlp.c_proj");
        }
        return nn.functional.linear(Norm(x, "transformer.ln_f"), w["transformer.wte.weight"]);
    }

    [Theory]
    [InlineData(true, GeluApproximation.None, 5)]
    [InlineData(false, GeluApproximation.None, 8)]
    [InlineData(true, GeluApproximation.Tanh, 8)]
    [InlineData(false, GeluApproximation.Tanh, 1)]
    public void LogitsLossAndGradientsMatchLibtorch(bool bias, GeluApproximation gelu, int T)
    {
        var config = new GptConfig(BlockSize: 8, VocabSize: 11, NLayer: 2, NHead: 2, NEmbd: 8, Bias: bias, Gelu: gelu);
        var g = new Generator(31);
        var model = new Gpt(config, g);
        // Biases start at 0 and LayerNorm at (1, 0): move them, so a wrongly used one cannot hide.
        using (Tensor.NoGrad())
            foreach (Tensor p in model.Parameters().Where(p => p.Rank == 1)) p.AddInPlace(Tensor.Randn(p.Shape.ToArray(), g) * 0.1f);
        Tensor idx = Tensor.RandInt(0, 11, [3, T], g), targets = Tensor.RandInt(0, 11, [3, T], g);

        using var scope = torch.NewDisposeScope();
        var weights = model.NamedParameters().ToDictionary(p => p.Name, p => TorchParity.ToTorch(p.Parameter).requires_grad_(true));
        TT expected = TorchLogits(weights, TorchParity.ToTorch(idx), config);
        TT expectedLoss = nn.functional.cross_entropy(expected.view(-1, 11), TorchParity.ToTorch(targets).view(-1));
        expectedLoss.backward();

        var (logits, loss) = model.Forward(idx, targets);
        TorchParity.AssertClose("logits", logits, expected, 1e-4);
        TorchParity.AssertClose("loss", loss, expectedLoss, 1e-4);
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
            TorchParity.AssertClose($"gradient of {name}", p.Grad!, weights[name].grad!, 1e-3);

        TorchParity.AssertClose("last-position logits", model.LastLogits(idx), expected.select(1, T - 1), 1e-4);
    }
}
