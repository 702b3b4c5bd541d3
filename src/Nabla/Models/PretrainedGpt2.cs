using Nabla.Data;

namespace Nabla.Models;

/// <summary>
/// OpenAI's four GPT-2 checkpoints by name (<c>gpt2</c> 124M, <c>gpt2-medium</c> 350M, <c>gpt2-large</c> 774M,
/// <c>gpt2-xl</c> 1.5B), as the Hugging Face hub serves them: <c>config.json</c> and <c>model.safetensors</c> at
/// <c>https://huggingface.co/NAME/resolve/main/FILE</c>. They are kept in the cache that datasets use
/// (<see cref="Datasets.CacheDirectory"/>), under <c>models/NAME</c>, and downloaded the way datasets are.
/// </summary>
public static class PretrainedGpt2
{
    public static IReadOnlyList<string> Names { get; } = ["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"];

    /// <summary>Environment variable naming another server with the hub's layout (a mirror); default <see cref="DefaultEndpoint"/>.</summary>
    public const string EndpointVariable = "NABLA_HF_ENDPOINT";
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The files of a model folder, the weights first: config.json, written last, marks a complete folder.</summary>
    public static IReadOnlyList<string> Files { get; } = [HuggingFaceGpt2.WeightsFile, HuggingFaceGpt2.ConfigFile];

    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>The server: <see cref="EndpointVariable"/> when set, else the Hugging Face hub.</summary>
    public static string Endpoint
    {
        get
        {
            string? overridden = Environment.GetEnvironmentVariable(EndpointVariable);
            return string.IsNullOrEmpty(overridden) ? DefaultEndpoint : overridden;
        }
    }

    /// <summary>The folder a model is kept in: <c>CACHE/models/NAME</c>.</summary>
    public static string CacheFolder(string name, string? cacheDirectory = null)
    {
        CheckKnown(name);
        return Path.Combine(cacheDirectory ?? Datasets.CacheDirectory, "models", name);
    }

    /// <summary>Where one file of a model is published.</summary>
    public static Uri Address(string name, string file, string? endpoint = null) =>
        new($"{(endpoint ?? Endpoint).TrimEnd('/')}/{name}/resolve/main/{file}");

    /// <summary>
    /// A model folder from what the user typed: an existing folder as it is; a known name as its cache folder,
    /// which must hold both files. Nothing is downloaded here.
    /// </summary>
    /// <exception cref="FileNotFoundException">The name is known but not in the cache: the message says to run
    /// <c>nabla gpt download NAME</c>.</exception>
    public static string ResolveFolder(string folderOrName, string? cacheDirectory = null)
    {
        if (Directory.Exists(folderOrName)) return folderOrName;
        if (!IsKnown(folderOrName))
            throw new DirectoryNotFoundException($"'{folderOrName}' is neither a folder nor a GPT-2 model name ({string.Join(", ", Names)})");
        string folder = CacheFolder(folderOrName, cacheDirectory);
        if (Files.All(f => File.Exists(Path.Combine(folder, f)))) return folder;
        throw new FileNotFoundException($"{folderOrName} is not in the cache {folder}: run 'nabla gpt download {folderOrName}'");
    }

    /// <summary>
    /// Downloads a model's files that its cache folder does not hold yet, each atomically (see
    /// <see cref="Downloads"/>), and returns the folder. <paramref name="log"/> hears each file as it starts.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file could not be downloaded (offline, say): the one-line
    /// message names every address and the folder to put the files in.</exception>
    public static string Download(string name, string? cacheDirectory = null, string? endpoint = null, Action<string>? log = null, HttpClient? http = null)
    {
        string folder = CacheFolder(name, cacheDirectory);
        foreach (string file in Files)
        {
            string target = Path.Combine(folder, file);
            if (File.Exists(target) && new FileInfo(target).Length > 0) { log?.Invoke($"{target} is already here"); continue; }
            Uri address = Address(name, file, endpoint);
            log?.Invoke($"downloading {address} to {target}");
            try
            {
                Downloads.ToFile(address, target, http);
            }
            catch (Exception e) when (Downloads.IsDownloadFailure(e))
            {
                throw new FileNotFoundException(
                    $"{name} could not be downloaded from {address} ({e.Message.ReplaceLineEndings(" ").TrimEnd('.')}); " +
                    $"download {string.Join(" and ", Files.Select(f => Address(name, f, endpoint)))} by hand and put them in {folder}", target, e);
            }
        }
        return folder;
    }

    private static void CheckKnown(string name)
    {
        if (!IsKnown(name)) throw new ArgumentException($"'{name}' is not a GPT-2 model name ({string.Join(", ", Names)})", nameof(name));
    }
}
