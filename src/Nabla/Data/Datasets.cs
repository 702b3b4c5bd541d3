namespace Nabla.Data;

/// <summary>
/// The one place that finds a public dataset by name. Datasets are never committed; they are looked
/// for, in order, at an explicit path, in <c>NABLA_DATA_DIR</c>, in the per-user cache, and last
/// downloaded from their canonical public address into that cache.
/// </summary>
public static class Datasets
{
    /// <summary>Environment variable naming a folder that holds datasets (CI points it at shared/data).</summary>
    public const string DataDirVariable = "NABLA_DATA_DIR";

    /// <summary>Environment variable overriding the cache folder (default: $XDG_CACHE_HOME/nabla or ~/.cache/nabla).</summary>
    public const string CacheDirVariable = "NABLA_CACHE_DIR";

    /// <summary>The datasets Nabla knows by name, with the address each is published at.</summary>
    public static IReadOnlyDictionary<string, Uri> Known { get; } = new Dictionary<string, Uri>
    {
        // makemore's 32,033 names (Karpathy, makemore).
        ["names.txt"] = new("https://raw.githubusercontent.com/karpathy/makemore/master/names.txt"),
        // 1,115,394 characters of Shakespeare (Karpathy, char-rnn).
        ["tinyshakespeare.txt"] = new("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"),
    };

    /// <summary>The folder downloaded datasets are kept in.</summary>
    public static string CacheDirectory
    {
        get
        {
            string? overridden = Environment.GetEnvironmentVariable(CacheDirVariable);
            if (!string.IsNullOrEmpty(overridden)) return overridden;
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "nabla");
        }
    }

    /// <summary>
    /// Finds a dataset without touching the network: the explicit path, then <c>NABLA_DATA_DIR</c>,
    /// then the cache. Returns null when it is in none of them.
    /// </summary>
    public static string? TryFindLocal(string name, string? explicitPath = null)
        => TryFindLocal(name, explicitPath, Environment.GetEnvironmentVariable(DataDirVariable), CacheDirectory);

    internal static string? TryFindLocal(string name, string? explicitPath, string? dataDir, string cacheDir)
    {
        CheckName(name);
        if (explicitPath is not null)
        {
            if (File.Exists(explicitPath)) return NotEmpty(Path.GetFullPath(explicitPath));
            throw new FileNotFoundException($"Dataset file '{explicitPath}' does not exist.", explicitPath);
        }
        foreach (string folder in SearchFolders(dataDir, cacheDir))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate)) return NotEmpty(Path.GetFullPath(candidate));
        }
        return null;
    }

    /// <summary>A dataset name is a file name, looked up inside the data folders; a name such as
    /// <c>../../etc/passwd</c> or <c>/etc/passwd</c> would reach outside them, so it is refused.</summary>
    private static void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name is "." or ".." || Path.IsPathRooted(name) || name.IndexOfAny(['/', '\\']) >= 0 ||
            name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException(
                $"dataset name {Nabla.Text.Printable.Quote(name)} is not a file name (no folders, no '..'); pass a file's path as the explicit path instead", nameof(name));
    }

    /// <summary>An empty dataset file is a failed download or copy, never data: refused, naming the file.</summary>
    private static string NotEmpty(string path) => new FileInfo(path).Length > 0 ? path
        : throw new InvalidDataException($"Dataset file '{path}' is empty; delete it (a known dataset is then downloaded again) or replace it.");

    /// <summary>
    /// Resolves a dataset to a local file, downloading a known one into the cache when it is nowhere
    /// on disk. Offline and missing, throws a <see cref="FileNotFoundException"/> that names the file
    /// and where to put it.
    /// </summary>
    public static string Resolve(string name, string? explicitPath = null)
        => Resolve(name, explicitPath, Environment.GetEnvironmentVariable(DataDirVariable), CacheDirectory, http: null);

    internal static string Resolve(string name, string? explicitPath, string? dataDir, string cacheDir, HttpClient? http)
    {
        string? local = TryFindLocal(name, explicitPath, dataDir, cacheDir);
        if (local is not null) return local;

        if (!Known.TryGetValue(name, out Uri? address))
            throw new FileNotFoundException(
                $"Dataset '{name}' was not found in {Describe(SearchFolders(dataDir, cacheDir))} and Nabla has no download address for it; " +
                "pass its path explicitly.", name);

        string target = Path.Combine(cacheDir, name);
        try
        {
            Downloads.ToFile(address, target, http);
            return target;
        }
        catch (Exception e) when (Downloads.IsDownloadFailure(e))
        {
            throw new FileNotFoundException(
                $"Dataset '{name}' is not on this machine and could not be downloaded from {address} ({e.Message}). " +
                $"Download it by hand and put it in the folder named by {DataDirVariable} or in {cacheDir}.", name, e);
        }
    }

    private static IEnumerable<string> SearchFolders(string? dataDir, string cacheDir)
    {
        if (!string.IsNullOrEmpty(dataDir)) yield return dataDir;
        yield return cacheDir;
    }

    private static string Describe(IEnumerable<string> folders) => string.Join(" and ", folders.Select(f => $"'{f}'"));
}
