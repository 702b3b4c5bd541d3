using Nabla.Models;
using Nabla.Tensors;

namespace Nabla.Tests.Models;

/// <summary>The fine-tuning recipe (nanoGPT's config/finetune_shakespeare.py) and how a checkpoint's model keys
/// replace the config's.</summary>
public sealed class GptPretrainedInitTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("nabla-gptinit-").FullName;
    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Gpt2Shakespeare_is_nanoGPTs_finetune_recipe()
    {
        GptTrainConfig c = GptTrainConfig.Load("gpt2-shakespeare");
        Assert.Equal("gpt2", c.InitFrom);
        Assert.Equal((1, 32, 20, 3e-5f, false), (c.BatchSize, c.GradientAccumulationSteps, c.MaxIters, c.LearningRate, c.DecayLr));
        Assert.Equal((5, 40, 0f), (c.EvalInterval, c.EvalIters, c.Dropout));
        Assert.Equal((0.9f, 0.95f, 0.1f, 1f), (c.Beta1, c.Beta2, c.WeightDecay, c.GradClip));   // train.py's defaults
        Assert.Equal("scratch", GptTrainConfig.Load("shakespeare-char").InitFrom);
        Assert.Equal("gpt2-xl", c.With("init-from", "gpt2-xl", "test").InitFrom);
    }

    private string Checkpoint(int blockSize = 16)
    {
        var model = new Gpt(new GptConfig(blockSize, 50, NLayer: 2, NHead: 2, NEmbd: 8, Gelu: GeluApproximation.Tanh), new Generator(5));
        string folder = Path.Combine(dir, "hf");
        HuggingFaceGpt2.Save(model, folder);
        return folder;
    }

    [Fact]
    public void The_checkpoint_sets_the_model_keys_the_user_did_not_give()
    {
        string folder = Checkpoint();
        var requested = GptTrainConfig.Gpt2Shakespeare with { InitFrom = folder, Dropout = 0.1f };
        var (config, model) = GptPretrainedInit.Load(requested, [], dataVocabSize: 50);
        Assert.Equal((2, 2, 8, 16, true, "tanh"), (config.NLayer, config.NHead, config.NEmbd, config.BlockSize, config.Bias, config.Gelu));
        Assert.Equal(0.1f, model.Config.Dropout);   // dropout is the config's, as in nanoGPT
        Assert.Equal(config.Model(50), model.Config);
        Assert.Equal(HuggingFaceGpt2.Load(folder).Transformer.Wte.Weight.ToArray(), model.Transformer.Wte.Weight.ToArray());

        var (cropped, short_) = GptPretrainedInit.Load(requested with { BlockSize = 4 }, ["block_size"], 50);
        Assert.Equal(4, cropped.BlockSize);
        Assert.Equal(4, short_.Config.BlockSize);
    }

    [Fact]
    public void An_explicit_key_that_disagrees_is_an_error()
    {
        string folder = Checkpoint();
        var requested = GptTrainConfig.Gpt2Shakespeare with { InitFrom = folder };
        Assert.Contains("n_head 12 disagrees with init_from", Assert.Throws<ArgumentException>(() => GptPretrainedInit.Load(requested, ["n_head"], 50)).Message);
        Assert.Contains("bias false disagrees", Assert.Throws<ArgumentException>(() => GptPretrainedInit.Load(requested with { Bias = false }, ["bias"], 50)).Message);
        GptPretrainedInit.Load(requested with { NLayer = 2 }, ["n_layer"], 50);   // agreeing is fine
        Assert.Contains("vocab_size 50 is not the data's vocabulary of 65", Assert.Throws<InvalidDataException>(() => GptPretrainedInit.Load(requested, [], 65)).Message);
    }
}
