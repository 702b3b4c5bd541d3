using System.Net;
using System.Net.Sockets;
using Nabla.Models;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Cli;

/// <summary>
/// GPT-2 weights on the command line: <c>gpt sample --hf</c>, <c>gpt export</c>, <c>gpt download</c> (from a
/// local HTTP server, and offline), and <c>gpt train --init_from</c>; each bad input one line and an exit code.
/// The models are tiny and random, with GPT-2's vocabulary so that GPT-2's tokenizer fits them.
/// </summary>
public sealed class GptHuggingFaceCliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("nabla-gpthf-").FullName;
    public void Dispose() => Directory.Delete(dir, recursive: true);

    private const int Gpt2Vocab = 50257;

    /// <summary>A random GPT with GPT-2's vocabulary (n_embd 8, 1 layer), written as a Hugging Face folder.</summary>
    private string TinyGpt2(string name = "tiny", int blockSize = 16)
    {
        var model = new Gpt(new GptConfig(blockSize, Gpt2Vocab, NLayer: 1, NHead: 2, NEmbd: 8, Gelu: GeluApproximation.Tanh), new Generator(7));
        string folder = Path.Combine(dir, name);
        HuggingFaceGpt2.Save(model, folder);
        return folder;
    }


    [Fact]
    public void Sample_from_a_Hugging_Face_folder_with_GPT2s_tokenizer()
    {
        string folder = TinyGpt2();
        string[] greedy = ["gpt", "sample", "--hf", folder, "--start", "Hello, world", "--num-samples", "2", "--max-new-tokens", "6", "--temperature", "0"];
        var sampled = CliHarness.Run(greedy);
        Assert.True(sampled.ExitCode == 0, sampled.Stderr);
        string[] samples = sampled.Stdout.Split("---------------\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, samples.Length);
        Assert.All(samples, s => Assert.StartsWith("Hello, world", s));
        Assert.Equal(samples[0], samples[1]);   // greedy
        Assert.Equal(sampled.Stdout, CliHarness.Run([.. greedy, "--no-kv-cache"]).Stdout);

        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample"), 2, "give exactly one of --run RUN_DIR, --hf HF_MODEL_DIR and --llmc LLMC_CHECKPOINT");
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--hf", folder, "--run", dir), 2, "give exactly one of --run RUN_DIR, --hf HF_MODEL_DIR and --llmc LLMC_CHECKPOINT");
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--hf", folder, "--top-p", "2"), 2, "--top-p must be in (0, 1]");
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--hf", "gpt2", "--cache", Path.Combine(dir, "empty-cache")), 1,
            $"gpt2 is not in the cache {Path.Combine(dir, "empty-cache", "models", "gpt2")}: run 'nabla gpt download gpt2'");
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--hf", Path.Combine(dir, "nowhere")), 1, "is neither a folder nor a GPT-2 model name");

        var small = new Gpt(new GptConfig(8, 50, 1, 2, 8), new Generator(1));
        HuggingFaceGpt2.Save(small, Path.Combine(dir, "small"));
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--hf", Path.Combine(dir, "small")), 1, "vocab_size 50 is not GPT-2's tokenizer's 50257");
        File.Delete(Path.Combine(dir, "small", "model.safetensors"));
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "sample", "--hf", Path.Combine(dir, "small")), 1, $"{Path.Combine(dir, "small", "model.safetensors")} not found");
    }

    [Fact]
    public void Export_writes_a_runs_best_model_as_a_Hugging_Face_folder()
    {
        File.WriteAllText(Path.Combine(dir, "text.txt"), string.Concat(Enumerable.Repeat("the cat sat on the mat.\n", 40)));
        string data = Path.Combine(dir, "data"), run = Path.Combine(dir, "run"), hf = Path.Combine(dir, "hf");
        Assert.Equal(0, CliHarness.Run("gpt", "prepare", "--input", Path.Combine(dir, "text.txt"), "--out", data).ExitCode);
        var trained = CliHarness.Run("gpt", "train", "--config", "shakespeare-char-cpu", "--data", data, "--out", run, "--n_layer", "1", "--n_head", "2",
            "--n_embd", "8", "--block_size", "8", "--batch_size", "2", "--max_iters", "2", "--eval_interval", "2", "--eval_iters", "1", "--sample_tokens", "0");
        Assert.True(trained.ExitCode == 0, trained.Stderr);

        var exported = CliHarness.Run("gpt", "export", "--run", run, "--out", hf);
        Assert.True(exported.ExitCode == 0, exported.Stderr);
        Assert.Contains($"wrote hf model", exported.Stdout);
        Gpt loaded = HuggingFaceGpt2.Load(hf);
        var fromRun = new Gpt(loaded.Config with { Bias = false, Gelu = GeluApproximation.None }, new Generator(1));
        Checkpoint.LoadModel(new RunDirectory(run).BestCheckpoint, "gpt", fromRun);
        Assert.Equal(GeluApproximation.None, loaded.Config.Gelu);   // the run's exact GELU is written as "gelu"
        var weights = loaded.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in fromRun.NamedParameters()) Assert.Equal(p.ToArray(), weights[name].ToArray());

        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "export", "--run", run, "--out", hf, "--format", "safetensors"), 2, "--format must be hf or llmc or llmc-bf16, got 'safetensors'");
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "export", "--run", Path.Combine(dir, "no-run"), "--out", hf), 1, "not found");
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "export", "--run", run), 2, "--out");
    }

    /// <summary>Serves the files of <paramref name="folder"/> at /gpt2/resolve/main/NAME on a free local port.</summary>
    private sealed class HubServer : IDisposable
    {
        private readonly HttpListener listener = new();
        public string Endpoint { get; }
        public List<string> Requests { get; } = [];

        public HubServer(string folder)
        {
            int port = FreePort();
            Endpoint = $"http://localhost:{port}";
            listener.Prefixes.Add(Endpoint + "/");
            listener.Start();
            _ = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await listener.GetContextAsync(); }
                    catch (Exception) { return; }
                    string path = context.Request.Url!.AbsolutePath;
                    lock (Requests) Requests.Add(path);
                    string file = Path.Combine(folder, Path.GetFileName(path));
                    if (path.StartsWith("/gpt2/resolve/main/", StringComparison.Ordinal) && File.Exists(file))
                    {
                        byte[] bytes = File.ReadAllBytes(file);
                        context.Response.ContentLength64 = bytes.Length;
                        context.Response.OutputStream.Write(bytes);
                    }
                    else context.Response.StatusCode = 404;
                    context.Response.Close();
                }
            });
        }

        private static int FreePort()
        {
            using var socket = new TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return ((IPEndPoint)socket.LocalEndpoint).Port;
        }

        public void Dispose() => listener.Close();
    }

    [Fact]
    public void Download_fetches_both_files_into_the_cache_where_sample_finds_them()
    {
        string model = TinyGpt2("served"), cache = Path.Combine(dir, "cache");
        using var server = new HubServer(model);
        var downloaded = CliHarness.Run("gpt", "download", "gpt2", "--cache", cache, "--endpoint", server.Endpoint);
        Assert.True(downloaded.ExitCode == 0, downloaded.Stderr);
        string folder = Path.Combine(cache, "models", "gpt2");
        Assert.Contains($"gpt2 is in {folder}", downloaded.Stdout);
        foreach (string file in new[] { "config.json", "model.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(model, file)), File.ReadAllBytes(Path.Combine(folder, file)));
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        Assert.Equal(["/gpt2/resolve/main/model.safetensors", "/gpt2/resolve/main/config.json"], server.Requests);

        var sampled = CliHarness.Run("gpt", "sample", "--hf", "gpt2", "--cache", cache, "--num-samples", "1", "--max-new-tokens", "3");
        Assert.True(sampled.ExitCode == 0, sampled.Stderr);
        var again = CliHarness.Run("gpt", "download", "gpt2", "--cache", cache, "--endpoint", server.Endpoint);
        Assert.Contains("is already here", again.Stdout);
        Assert.Equal(2, server.Requests.Count);

        // A model the server does not have: an HTTP error, one line, no partial file left behind.
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "download", "gpt2-xl", "--cache", cache, "--endpoint", server.Endpoint), 1, "404");
        Assert.False(Directory.Exists(Path.Combine(cache, "models", "gpt2-xl")) && Directory.EnumerateFileSystemEntries(Path.Combine(cache, "models", "gpt2-xl")).Any());
        CliHarness.AssertOneLineFailure(CliHarness.Run("gpt", "download", "gpt3", "--cache", cache), 2, "model must be one of gpt2, gpt2-medium, gpt2-large, gpt2-xl, got 'gpt3'");
    }

    [Fact]
    public void Offline_download_says_which_files_to_put_where()
    {
        string cache = Path.Combine(dir, "cache");
        string unreachable = "http://127.0.0.1:9";   // the discard port: nothing listens, the connection is refused
        var result = CliHarness.Run("gpt", "download", "gpt2-medium", "--cache", cache, "--endpoint", unreachable);
        string folder = Path.Combine(cache, "models", "gpt2-medium");
        CliHarness.AssertOneLineFailure(result, 1, $"download {unreachable}/gpt2-medium/resolve/main/model.safetensors and {unreachable}/gpt2-medium/resolve/main/config.json by hand and put them in {folder}");
        Assert.False(Directory.Exists(folder) && Directory.EnumerateFiles(folder).Any());
        Assert.Equal(new Uri("https://huggingface.co/gpt2-xl/resolve/main/config.json"), PretrainedGpt2.Address("gpt2-xl", "config.json", PretrainedGpt2.DefaultEndpoint));
    }

    [Fact]
    public void Fine_tuning_starts_from_the_pretrained_weights()
    {
        string model = TinyGpt2(blockSize: 16), data = Path.Combine(dir, "data"), run = Path.Combine(dir, "run");
        File.WriteAllText(Path.Combine(dir, "text.txt"), string.Concat(Enumerable.Repeat("To be, or not to be, that is the question:\n", 30)));
        Assert.Equal(0, CliHarness.Run("gpt", "prepare", "--input", Path.Combine(dir, "text.txt"), "--tokenizer", "gpt2", "--out", data).ExitCode);
        string[] small = ["--block_size", "8", "--gradient_accumulation_steps", "2", "--eval_iters", "2", "--eval_interval", "3", "--sample_tokens", "0"];
        CliHarness.Result Train(params string[] extra) =>
            CliHarness.Run(["gpt", "train", "--config", "gpt2-shakespeare", "--init-from", model, "--data", data, "--out", run, .. small, .. extra]);

        CliHarness.AssertOneLineFailure(Train("--n_layer", "2"), 2, $"n_layer 2 disagrees with init_from {model}, whose n_layer is 1");
        CliHarness.AssertOneLineFailure(Train("--gelu", "exact"), 2, "gelu exact disagrees with init_from");
        CliHarness.AssertOneLineFailure(Train("--block_size", "32"), 2, $"block_size 32 is longer than the context of init_from {model} (16)");
        CliHarness.AssertOneLineFailure(Train("--init_from", "gpt2-large"), 1, "gpt2-large is not in the cache");

        var trained = Train("--max_iters", "3");
        Assert.True(trained.ExitCode == 0, trained.Stderr);
        Assert.Contains($"init_from {model}: pretrained GPT-2 weights", trained.Stdout);
        var config = new RunDirectory(run).ReadConfig()!;
        Assert.Equal(8, config["n_embd"]!.GetValue<int>());
        Assert.Equal(8, config["block_size"]!.GetValue<int>());
        Assert.Equal("tanh", config["gelu"]!.GetValue<string>());
        var metrics = new RunDirectory(run).ReadMetrics();
        Assert.Equal([1, 2, 3], metrics.Select(m => m["step"]!.GetValue<int>()));
        Assert.All(metrics, m => Assert.True(float.IsFinite(m["train_loss"]!.GetValue<float>())));

        // The first step's loss is the pretrained model's on the trainer's first batches (seed 1337, two micro-batches).
        Gpt pretrained = HuggingFaceGpt2.Load(model, blockSize: 8);
        GptData tokens = GptData.Load(data);
        var batches = new Generator(1337);
        float expected = 0f;
        for (int micro = 0; micro < 2; micro++)
        {
            var (x, y) = GptData.Batch(tokens.Train, 1, 8, batches);
            expected += pretrained.Loss(x, y).Item() / 2;
        }
        Assert.Equal(expected, metrics[0]["train_loss"]!.GetValue<float>(), 5);

        var resumed = CliHarness.Run(["gpt", "train", "--data", data, "--out", run, "--resume", "--max_iters", "4"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("done at step 4", resumed.Stdout);

        // Character data is not GPT-2's vocabulary.
        string chars = Path.Combine(dir, "chars");
        Assert.Equal(0, CliHarness.Run("gpt", "prepare", "--input", Path.Combine(dir, "text.txt"), "--out", chars).ExitCode);
        CliHarness.AssertOneLineFailure(CliHarness.Run(["gpt", "train", "--config", "gpt2-shakespeare", "--init-from", model, "--data", chars, "--out", Path.Combine(dir, "run2"), .. small]),
            1, "vocab_size 50257 is not the data's vocabulary of");
    }
}
