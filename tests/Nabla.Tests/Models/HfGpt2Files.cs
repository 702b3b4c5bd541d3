using System.Globalization;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;
using PySafetensors = TorchSharp.PyBridge.Safetensors;

namespace Nabla.Tests.Models;

/// <summary>How a Hugging Face GPT-2 file names its tensors.</summary>
public enum HfNaming
{
    /// <summary>OpenAI's checkpoints on the hub: <c>wte.weight</c>, <c>h.0.attn.c_attn.weight</c>, with the mask buffers.</summary>
    Original,
    /// <summary>A fine-tuned GPT2LMHeadModel saved by transformers: <c>transformer.wte.weight</c>, ...</summary>
    LmHeadModel,
}

/// <summary>
/// Small random GPT-2s written in the Hugging Face layout by libtorch and TorchSharp.PyBridge's safetensors writer
/// (never by Nabla), and GPT-2's forward pass in libtorch computed from a file's tensors as they are stored: the
/// Conv1D weights (in, out) multiply from the right, as transformers' Conv1D does. The oracle of the loader tests.
/// </summary>
internal static class HfGpt2Files
{
    public sealed record Sizes(int Layers = 2, int Heads = 2, int Embd = 16, int Vocab = 50, int Block = 16);

    public static readonly string[] Conv1D = ["attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"];

    /// <summary>Random weights under the original names (no prefix), Conv1D stored (in, out), biases and LayerNorms
    /// moved off their (0, 1) start so that a misplaced one shows.</summary>
    public static Dictionary<string, TT> RandomState(Sizes s, int seed)
    {
        var g = new torch.Generator((ulong)seed);
        int C = s.Embd;
        TT R(params long[] shape) => torch.randn(shape, generator: g) * 0.2f;
        var state = new Dictionary<string, TT>
        {
            ["wte.weight"] = R(s.Vocab, C),
            ["wpe.weight"] = R(s.Block, C),
            ["ln_f.weight"] = 1 + R(C),
            ["ln_f.bias"] = R(C),
        };
        for (int l = 0; l < s.Layers; l++)
        {
            string h = $"h.{l}.";
            state[h + "ln_1.weight"] = 1 + R(C); state[h + "ln_1.bias"] = R(C);
            state[h + "attn.c_attn.weight"] = R(C, 3 * C); state[h + "attn.c_attn.bias"] = R(3 * C);
            state[h + "attn.c_proj.weight"] = R(C, C); state[h + "attn.c_proj.bias"] = R(C);
            state[h + "ln_2.weight"] = 1 + R(C); state[h + "ln_2.bias"] = R(C);
            state[h + "mlp.c_fc.weight"] = R(C, 4 * C); state[h + "mlp.c_fc.bias"] = R(4 * C);
            state[h + "mlp.c_proj.weight"] = R(4 * C, C); state[h + "mlp.c_proj.bias"] = R(C);
        }
        return state;
    }

    /// <summary>Writes config.json and model.safetensors into <paramref name="folder"/>: the tensors in
    /// <paramref name="dtype"/>, named as <paramref name="naming"/> says, with the mask buffers (the original
    /// checkpoints have them; <paramref name="maskedBias"/>: the older ones also <c>masked_bias</c>) and with
    /// <c>lm_head.weight</c> when asked.</summary>
    public static void Write(string folder, Sizes s, Dictionary<string, TT> state, HfNaming naming, torch.ScalarType dtype,
        bool maskBuffers = false, bool maskedBias = false, bool lmHead = false, string activation = "gelu_new")
    {
        Directory.CreateDirectory(folder);
        string prefix = naming == HfNaming.LmHeadModel ? "transformer." : "";
        var file = state.ToDictionary(p => prefix + p.Key, p => p.Value.to(dtype));
        for (int l = 0; l < s.Layers && maskBuffers; l++)
        {
            file[$"{prefix}h.{l}.attn.bias"] = torch.ones(s.Block, s.Block).tril().view(1, 1, s.Block, s.Block).to(dtype);
            if (maskedBias) file[$"{prefix}h.{l}.attn.masked_bias"] = torch.tensor(-1e4f).to(dtype);
        }
        if (lmHead) file["lm_head.weight"] = state["wte.weight"].to(dtype);
        string weights = Path.Combine(folder, "model.safetensors");
        File.Delete(weights);   // PyBridge writes over an existing file without truncating it
        PySafetensors.SaveStateDict(weights, file);
        File.WriteAllText(Path.Combine(folder, "config.json"), Config(s, activation));
    }

    public static string Config(Sizes s, string activation = "gelu_new", string epsilon = "1e-05") => string.Create(CultureInfo.InvariantCulture, $$"""
        {
          "activation_function": "{{activation}}",
          "architectures": ["GPT2LMHeadModel"],
          "attn_pdrop": 0.1, "embd_pdrop": 0.1, "resid_pdrop": 0.1,
          "bos_token_id": 50256, "eos_token_id": 50256,
          "initializer_range": 0.02,
          "layer_norm_epsilon": {{epsilon}},
          "model_type": "gpt2",
          "n_ctx": {{s.Block}}, "n_embd": {{s.Embd}}, "n_head": {{s.Heads}}, "n_layer": {{s.Layers}}, "n_positions": {{s.Block}},
          "summary_type": "cls_index", "summary_use_proj": true,
          "task_specific_params": { "text-generation": { "do_sample": true, "max_length": 50 } },
          "vocab_size": {{s.Vocab}}
        }
        """);

    /// <summary>The file's float tensors as float32 leaves that take gradients, under the original names.</summary>
    public static Dictionary<string, TT> ReadForTorch(string path)
    {
        var weights = new Dictionary<string, TT>();
        foreach (var (name, tensor) in PySafetensors.LoadStateDict(path))
        {
            string bare = name.StartsWith("transformer.", StringComparison.Ordinal) ? name["transformer.".Length..] : name;
            if (bare.EndsWith(".attn.bias", StringComparison.Ordinal) || bare.EndsWith(".attn.masked_bias", StringComparison.Ordinal) || bare == "lm_head.weight") continue;
            weights[bare] = tensor.to(torch.float32).detach().requires_grad_(true);
        }
        return weights;
    }

    /// <summary>GPT2LMHeadModel's forward in libtorch from stored tensors: logits (B, T, V).</summary>
    public static TT Logits(Dictionary<string, TT> w, TT idx, Sizes s, bool tanhGelu = true)
    {
        long B = idx.shape[0], T = idx.shape[1], C = s.Embd, hs = C / s.Heads;
        TT Norm(TT x, string name) => torch.nn.functional.layer_norm(x, [C], w[name + ".weight"], w[name + ".bias"], 1e-5);
        TT Conv1DForward(TT x, string name) => torch.addmm(w[name + ".bias"], x.reshape(-1, x.shape[^1]), w[name + ".weight"], 1f, 1f).view(B, T, -1); // x @ W(in, out) + b
        var approximate = tanhGelu ? TorchSharp.Modules.GELU.Approximate.tanh : TorchSharp.Modules.GELU.Approximate.none;

        TT x = w["wte.weight"][idx] + w["wpe.weight"].narrow(0, 0, T);
        for (int l = 0; l < s.Layers; l++)
        {
            string h = $"h.{l}";
            TT[] qkv = Conv1DForward(Norm(x, h + ".ln_1"), h + ".attn.c_attn").split(C, 2);
            TT Heads(TT z) => z.view(B, T, s.Heads, hs).transpose(1, 2);
            TT y = torch.nn.functional.scaled_dot_product_attention(Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), null, 0.0, true);
            x = x + Conv1DForward(y.transpose(1, 2).contiguous().view(B, T, C), h + ".attn.c_proj");
            x = x + Conv1DForward(torch.nn.functional.gelu(Conv1DForward(Norm(x, h + ".ln_2"), h + ".mlp.c_fc"), approximate), h + ".mlp.c_proj");
        }
        return torch.matmul(Norm(x, "ln_f"), w["wte.weight"].t());
    }
}
