namespace Nabla.Data;

/// <summary>
/// The one way Nabla downloads a file (a dataset, a model's weights): over HTTP(S) into a temporary
/// <c>.partial</c> file beside the target, renamed into place only when every byte has arrived, so an interrupted
/// download never leaves a truncated file where the next run would trust it.
/// </summary>
internal static class Downloads
{
    /// <summary>The errors that mean "could not download": no network, a refused connection, an HTTP error
    /// status, a timeout, a short or empty body.</summary>
    public static bool IsDownloadFailure(Exception e) => e is HttpRequestException or TaskCanceledException or IOException;

    /// <summary>Downloads <paramref name="address"/> to <paramref name="target"/>, creating its folder.
    /// <paramref name="http"/> is the client to use (null: a new one with a 60-second timeout to the first byte).</summary>
    public static void ToFile(Uri address, string target, HttpClient? http)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        string partial = target + ".partial";
        HttpClient client = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            using (HttpResponseMessage response = client.GetAsync(address, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult())
            {
                response.EnsureSuccessStatusCode();
                using Stream body = response.Content.ReadAsStream();
                using FileStream file = File.Create(partial);
                body.CopyTo(file);
                if (file.Length == 0) throw new IOException("the server sent an empty file");
                if (response.Content.Headers.ContentLength is long expected && file.Length != expected)
                    throw new IOException($"the server sent {file.Length} of {expected} bytes");
                file.Flush(flushToDisk: true);
            }
            File.Move(partial, target, overwrite: true);
        }
        finally
        {
            if (http is null) client.Dispose();
            if (File.Exists(partial)) File.Delete(partial);
        }
    }
}
