using Nabla.Models;
using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using TT = TorchSharp.torch.Tensor;
using Tensor = Nabla.Tensors.Tensor;
using Generator = Nabla.Tensors.Generator;
using PySafetensors = TorchSharp.PyBridge.Safetensors;

namespace Nabla.Tests.Models;

/// <summary>
/// Hugging Face GPT-2 folders written by libtorch, in every layout the hub has (both namings, mask buffers,
/// lm_head, F32/F16/BF16), loaded into Nabla's GPT and checked against GPT-2's forward in libtorch from the same
/// file: logits and loss within 1e-4, every gradient within 1e-3. Then export → load, and damaged folders.
/// </summary>
public sealed class HuggingFaceGpt2Tests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("nabla-hfgpt2-").FullName;
    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly HfGpt2Files.Sizes Small = new();

    public static TheoryData<HfNaming, torch.ScalarType, bool, bool, bool> Layouts => new()
    {
        { HfNaming.Original, torch.ScalarType.Float32, true, false, false },
        { HfNaming.Original, torch.ScalarType.Float32, true, true, false },     // older: masked_bias too
        { HfNaming.Original, torch.ScalarType.Float16, true, false, false },
        { HfNaming.Original, torch.ScalarType.BFloat16, true, false, false },
        { HfNaming.LmHeadModel, torch.ScalarType.Float32, false, false, true },
        { HfNaming.LmHeadModel, torch.ScalarType.Float32, false, false, false },
        { HfNaming.LmHeadModel, torch.ScalarType.BFloat16, false, false, true },
        { HfNaming.LmHeadModel, torch.ScalarType.Float16, true, false, true },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Logits_loss_and_gradients_match_libtorch_on_the_files_tensors(HfNaming naming, torch.ScalarType dtype, bool masks, bool maskedBias, bool lmHead)
    {
        using var scope = torch.NewDisposeScope();
        string folder = Path.Combine(dir, "model");
        HfGpt2Files.Write(folder, Small, HfGpt2Files.RandomState(Small, seed: 5), naming, dtype, masks, maskedBias, lmHead);

        Gpt model = HuggingFaceGpt2.Load(folder);
        Assert.Equal(new GptConfig(16, 50, 2, 2, 16, 0f, true, GeluApproximation.Tanh), model.Config);
        AssertMatchesTorch(model, Path.Combine(folder, "model.safetensors"), Small, T: 11);
    }

    /// <summary>Nabla's logits, loss and gradients against libtorch's from the file's own tensors.</summary>
    internal static void AssertMatchesTorch(Gpt model, string weightsFile, HfGpt2Files.Sizes s, int T, bool tanhGelu = true)
    {
        var g = new Generator(17);
        Tensor idx = Tensor.RandInt(0, s.Vocab, [3, T], g), targets = Tensor.RandInt(0, s.Vocab, [3, T], g);
        Dictionary<string, TT> weights = HfGpt2Files.ReadForTorch(weightsFile);
        TT logits = HfGpt2Files.Logits(weights, TorchParity.ToTorch(idx), s, tanhGelu);
        TT loss = torch.nn.functional.cross_entropy(logits.view(-1, s.Vocab), TorchParity.ToTorch(targets).view(-1));
        loss.backward();

        model.ZeroGrad();
        var (ours, ourLoss) = model.Forward(idx, targets);
        TorchParity.AssertClose("logits", ours, logits, 1e-4);
        TorchParity.AssertClose("loss", ourLoss, loss, 1e-4);
        ourLoss.Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            string bare = name["transformer.".Length..];
            TT grad = weights[bare].grad!;
            if (HuggingFaceGpt2.IsConv1D(name)) grad = grad.t();   // (in, out) → the Linear's (out, in)
            TorchParity.AssertClose($"gradient of {name}", p.Grad!, grad, 1e-3);
        }
    }

    [Fact]
    public void Exact_gelu_loads_as_exact_and_matches_libtorch()
    {
        using var scope = torch.NewDisposeScope();
        string folder = Path.Combine(dir, "exact");
        HfGpt2Files.Write(folder, Small, HfGpt2Files.RandomState(Small, seed: 8), HfNaming.LmHeadModel, torch.ScalarType.Float32, activation: "gelu");
        Gpt model = HuggingFaceGpt2.Load(folder);
        Assert.Equal(GeluApproximation.None, model.Config.Gelu);
        AssertMatchesTorch(model, Path.Combine(folder, "model.safetensors"), Small, T: 16, tanhGelu: false);
    }

    [Theory]
    [InlineData(true, GeluApproximation.Tanh)]
    [InlineData(false, GeluApproximation.None)]
    public void Export_then_load_gives_back_the_same_network(bool bias, GeluApproximation gelu)
    {
        var config = new GptConfig(BlockSize: 12, VocabSize: 40, NLayer: 2, NHead: 4, NEmbd: 16, Bias: bias, Gelu: gelu);
        var model = new Gpt(config, new Generator(3));
        using (Tensor.NoGrad())
            foreach (Tensor p in model.Parameters().Where(p => p.Rank == 1)) p.AddInPlace(Tensor.Randn(p.Shape.ToArray(), new Generator(4)) * 0.1f);
        string folder = Path.Combine(dir, "export");
        HuggingFaceGpt2.Save(model, folder);
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());

        Gpt loaded = HuggingFaceGpt2.Load(folder, dropout: config.Dropout);
        Assert.Equal(config with { Bias = true }, loaded.Config);
        var ours = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in loaded.NamedParameters())
        {
            if (ours.TryGetValue(name, out Tensor? original)) Assert.Equal(original.ToArray(), p.ToArray());
            else Assert.All(p.ToArray(), v => Assert.Equal(0f, v));   // the zero biases a bias-less model is written with
        }
        Tensor idx = Tensor.RandInt(0, 40, [2, 12], new Generator(9));
        float[] expected = model.Forward(idx).ToArray(), actual = loaded.Forward(idx).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f, $"logit {i}: {actual[i]} vs {expected[i]}");

        // The file is what transformers reads: the prefix, Conv1D (in, out), no lm_head, metadata format=pt,
        // and libtorch's GPT-2 on its tensors computes Nabla's logits.
        using var scope = torch.NewDisposeScope();
        string weights = Path.Combine(folder, "model.safetensors");
        Dictionary<string, TT> state = PySafetensors.LoadStateDict(weights);
        Assert.All(state.Keys, k => Assert.StartsWith("transformer.", k));
        Assert.Equal(4 + 2 * 12, state.Count);
        Assert.Equal([16L, 48L], state["transformer.h.0.attn.c_attn.weight"].shape);
        Assert.Equal([64L, 16L], state["transformer.h.1.mlp.c_proj.weight"].shape);
        Assert.Equal("pt", Nabla.IO.SafetensorsReader.Open(weights) is var reader && reader.Metadata.TryGetValue("format", out string? format) ? format : null);
        reader.Dispose();
        var s = new HfGpt2Files.Sizes(2, 4, 16, 40, 12);
        TorchParity.AssertClose("exported logits", model.Forward(idx), HfGpt2Files.Logits(HfGpt2Files.ReadForTorch(weights), TorchParity.ToTorch(idx), s, gelu == GeluApproximation.Tanh), 1e-4);

        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.Equal("GPT2LMHeadModel", json["architectures"]![0]!.GetValue<string>());
        Assert.Equal("gpt2", json["model_type"]!.GetValue<string>());
        Assert.Equal(gelu == GeluApproximation.Tanh ? "gelu_new" : "gelu", json["activation_function"]!.GetValue<string>());
        Assert.Equal(12, json["n_positions"]!.GetValue<int>());
    }

    [Fact]
    public void A_shorter_block_size_crops_the_position_embedding()
    {
        using var scope = torch.NewDisposeScope();
        string folder = Path.Combine(dir, "crop");
        var state = HfGpt2Files.RandomState(Small, seed: 6);
        HfGpt2Files.Write(folder, Small, state, HfNaming.Original, torch.ScalarType.Float32, maskBuffers: true);
        Gpt model = HuggingFaceGpt2.Load(folder, blockSize: 5);
        Assert.Equal(5, model.Config.BlockSize);
        Assert.Equal(state["wpe.weight"].narrow(0, 0, 5).contiguous().data<float>().ToArray(), model.Transformer.Wpe.Weight.ToArray());
        Assert.Throws<ArgumentException>(() => HuggingFaceGpt2.Load(folder, blockSize: 17));
    }

    /// <summary>Loading fills the parameters in place: besides the header it allocates one buffer, the size of the
    /// largest Conv1D weight, for all the transposed weights. A loader that made whole tensors first (or a buffer
    /// per weight) would allocate about the file's size again.</summary>
    [Theory]
    [InlineData(6, 96, 64)]        // the blocks' weights dominate the file
    [InlineData(1, 32, 50_000)]    // the token embedding does
    public void Loading_allocates_one_weight_not_the_file(int layers, int width, int vocab)
    {
        using var scope = torch.NewDisposeScope();
        var s = new HfGpt2Files.Sizes(Layers: layers, Heads: 2, Embd: width, Vocab: vocab, Block: 8);
        string folder = Path.Combine(dir, "big");
        HfGpt2Files.Write(folder, s, HfGpt2Files.RandomState(s, seed: 2), HfNaming.Original, torch.ScalarType.Float32, maskBuffers: true);
        string weights = Path.Combine(folder, "model.safetensors");
        var model = new Gpt(HuggingFaceGpt2Config.Read(Path.Combine(folder, "config.json")), new Generator(1));
        HuggingFaceGpt2.LoadWeights(model, weights);   // warm: the pooled read buffer exists
        long before = GC.GetAllocatedBytesForCurrentThread();
        HuggingFaceGpt2.LoadWeights(model, weights);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before, size = new FileInfo(weights).Length;
        long largestConv1D = 4L * width * 4 * width;
        Assert.True(allocated < largestConv1D + 256 * 1024 && allocated < size / 4, $"loading a {size:N0}-byte file allocated {allocated:N0} bytes");
    }

    // ---- damaged folders: one line naming the file and what is wrong ---------------------------------------

    private string WriteSmall(Action<Dictionary<string, TT>>? change = null, HfNaming naming = HfNaming.Original, bool lmHead = false)
    {
        string folder = Path.Combine(dir, "damaged");
        var state = HfGpt2Files.RandomState(Small, seed: 4);
        change?.Invoke(state);
        HfGpt2Files.Write(folder, Small, state, naming, torch.ScalarType.Float32, maskBuffers: true, lmHead: lmHead);
        return folder;
    }

    private static string Refused(string folder, string file = "model.safetensors")
    {
        var error = Assert.ThrowsAny<Exception>(() => HuggingFaceGpt2.Load(folder));
        Assert.True(error is InvalidDataException or FileNotFoundException, error.GetType().Name);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(error.Message.Contains(Path.Combine(folder, file), StringComparison.Ordinal), error.Message);
        return error.Message;
    }

    private static void Says(string expected, string message) =>
        Assert.True(message.Contains(expected, StringComparison.Ordinal), $"'{expected}' is not in: {message}");

    [Fact]
    public void A_missing_tensor_is_named()
    {
        using var scope = torch.NewDisposeScope();
        string message = Refused(WriteSmall(s => s.Remove("h.1.mlp.c_fc.bias")));
        Says("parameter 'transformer.h.1.mlp.c_fc.bias' is not in the file", message);
    }

    [Fact]
    public void An_unknown_tensor_is_named()
    {
        using var scope = torch.NewDisposeScope();
        Says("tensor 'h.0.attn.rotary.weight' has no place in a GPT-2 of 2 layers", Refused(WriteSmall(s => s["h.0.attn.rotary.weight"] = torch.zeros(4))));
        Says("tensor 'transformer.h.2.ln_1.weight' has no place", Refused(WriteSmall(s => s["h.2.ln_1.weight"] = torch.zeros(16), HfNaming.LmHeadModel)));
    }

    [Fact]
    public void A_wrong_shape_is_named()
    {
        using var scope = torch.NewDisposeScope();
        // A Conv1D weight written as a Linear's (out, in): the mistake a converter makes.
        Says("tensor 'h.0.attn.c_attn.weight' has shape [48,16], the model's is [16,48] (a Conv1D weight, stored (in, out))",
            Refused(WriteSmall(s => s["h.0.attn.c_attn.weight"] = s["h.0.attn.c_attn.weight"].t().contiguous())));
        Says("tensor 'wpe.weight' has shape [15,16], the model's is [16,16]", Refused(WriteSmall(s => s["wpe.weight"] = s["wpe.weight"].narrow(0, 0, 15).contiguous())));
    }

    [Fact]
    public void An_untied_lm_head_is_refused_and_a_tied_one_accepted()
    {
        using var scope = torch.NewDisposeScope();
        HuggingFaceGpt2.Load(WriteSmall(naming: HfNaming.LmHeadModel, lmHead: true));
        string folder = Path.Combine(dir, "untied");
        var state = HfGpt2Files.RandomState(Small, seed: 4);
        HfGpt2Files.Write(folder, Small, state, HfNaming.LmHeadModel, torch.ScalarType.Float32, lmHead: true);
        var file = PySafetensors.LoadStateDict(Path.Combine(folder, "model.safetensors"));
        file["lm_head.weight"] = file["lm_head.weight"] + 0.5f;
        File.Delete(Path.Combine(folder, "model.safetensors"));
        PySafetensors.SaveStateDict(Path.Combine(folder, "model.safetensors"), file);
        Says("tensor 'lm_head.weight' differs from the token embedding", Refused(folder));
    }

    [Fact]
    public void The_same_parameter_under_both_names_is_refused()
    {
        using var scope = torch.NewDisposeScope();
        string message = Refused(WriteSmall(s => s["transformer.ln_f.bias"] = s["ln_f.bias"].clone()));
        Assert.Matches("tensors '(transformer\\.)?ln_f.bias' and '(transformer\\.)?ln_f.bias' are the same parameter", message);
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_the_file()
    {
        using var scope = torch.NewDisposeScope();
        string folder = WriteSmall();
        string weights = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length - 100)]);
        Says("not a valid safetensors file", Refused(folder));
        File.Delete(weights);
        Says("not found", Refused(folder));
    }

    [Theory]
    [InlineData("\"n_head\": 2", "\"n_head\": 3", "n_embd 16 must be a multiple of n_head 3")]
    [InlineData("\"n_layer\": 2,", "", "'n_layer' is missing")]
    [InlineData("\"n_layer\": 2", "\"n_layer\": \"two\"", "'n_layer' must be an integer, got \"two\"")]
    [InlineData("\"layer_norm_epsilon\": 1e-05", "\"layer_norm_epsilon\": 1e-06", "layer_norm_epsilon is 1E-06; Nabla's GPT normalizes with GPT-2's 1e-05 only")]
    [InlineData("\"gelu_new\"", "\"relu\"", "activation_function \"relu\" is not one Nabla's GPT computes")]
    [InlineData("\"model_type\": \"gpt2\"", "\"model_type\": \"llama\"", "model_type is 'llama', not gpt2")]
    [InlineData("\"n_positions\": 16", "\"n_positions\": 0", "n_positions must be ≥ 1, got 0")]
    [InlineData("\"vocab_size\": 50", "\"vocab_size\": 50,", "not valid JSON")]
    public void A_bad_config_value_is_named(string find, string replace, string expected)
    {
        using var scope = torch.NewDisposeScope();
        string folder = WriteSmall();
        string config = Path.Combine(folder, "config.json"), text = File.ReadAllText(config);
        Says(find, text);
        File.WriteAllText(config, text.Replace(find, replace));
        Says(expected, Refused(folder, "config.json"));
    }

    [Fact]
    public void Config_keys_that_change_the_network_are_refused()
    {
        string path = Path.Combine(dir, "config.json");
        foreach (var (extra, expected) in new[] { ("\"n_inner\": 32", "n_inner is 32"), ("\"scale_attn_by_inverse_layer_idx\": true", "scale_attn_by_inverse_layer_idx"), ("\"scale_attn_weights\": false", "scale_attn_weights") })
        {
            File.WriteAllText(path, HfGpt2Files.Config(Small).Replace("\"model_type\"", extra + ", \"model_type\""));
            var error = Assert.Throws<InvalidDataException>(() => HuggingFaceGpt2Config.Read(path));
            Assert.StartsWith(path + ": " + expected, error.Message);
        }
        File.WriteAllText(path, HfGpt2Files.Config(Small).Replace("\"n_positions\": 16", "\"n_inner\": null").Replace("\"n_ctx\": 16", "\"n_ctx\": 9"));
        Assert.Equal(9, HuggingFaceGpt2Config.Read(path).BlockSize);   // older files: n_ctx alone
        File.WriteAllText(path, "[1, 2]");
        Assert.Equal($"{path}: not a JSON object", Assert.Throws<InvalidDataException>(() => HuggingFaceGpt2Config.Read(path)).Message);
    }
}
