using Nabla.Models;
using Nabla.Tensors;
using static TorchSharp.torch;
using TT = TorchSharp.torch.Tensor;
using GELU = TorchSharp.Modules.GELU;

namespace Nabla.Benchmarks;

/// <summary>The peer of <see cref="Gpt"/> in the GPT suites: the same network in libtorch, written in functional form
/// over a dictionary of parameters copied from Nabla's model under the same names.</summary>
public static class TorchGpt
{
    /// <summary>GPT-2's forward in libtorch's functional form, reading every weight by its Hugging Face name
    /// (biases and the GELU as the config says; the tied head reads transformer.wte.weight); <paramref name="dropout"/>
    /// where nanoGPT drops; with <paramref name="lastOnly"/> the head runs on the last position only.</summary>
    public static TT Logits(Dictionary<string, TorchSharp.Modules.Parameter> w, TT idx, GptConfig c, float dropout = 0f, bool lastOnly = false)
    {
        long B = idx.shape[0], T = idx.shape[1], C = c.NEmbd, hs = C / c.NHead;
        TT? Bias(string name) => c.Bias ? w[name + ".bias"] : null;
        TT Norm(TT h, string name) => nn.functional.layer_norm(h, [C], w[name + ".weight"], Bias(name));
        TT Linear(TT h, string name) => nn.functional.linear(h, w[name + ".weight"], Bias(name));
        GELU.Approximate gelu = c.Gelu == GeluApproximation.Tanh ? GELU.Approximate.tanh : GELU.Approximate.none;
        TT Heads(TT z) => z.view(B, T, c.NHead, hs).transpose(1, 2);
        TT Drop(TT h) => dropout > 0f ? nn.functional.dropout(h, dropout, training: true) : h;
        TT x = Drop(w["transformer.wte.weight"][idx] + w["transformer.wpe.weight"].narrow(0, 0, T));
        for (int l = 0; l < c.NLayer; l++)
        {
            string h = $"transformer.h.{l}";
            TT[] qkv = Linear(Norm(x, h + ".ln_1"), h + ".attn.c_attn").split(C, 2);
            TT y = nn.functional.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), null, dropout, true);
            x = x + Drop(Linear(y.transpose(1, 2).contiguous().view(B, T, C), h + ".attn.c_proj"));
            x = x + Drop(Linear(nn.functional.gelu(Linear(Norm(x, h + ".ln_2"), h + ".mlp.c_fc"), gelu), h + ".mlp.c_proj"));
        }
        x = Norm(x, "transformer.ln_f");
        if (lastOnly) x = x.narrow(1, T - 1, 1);
        return nn.functional.linear(x, w["transformer.wte.weight"]);
    }
}
