namespace Nabla.IO;

/// <summary>
/// Replaces a file all at once. The new bytes are written to a temporary file in the same directory (a rename
/// is atomic only within one file system), flushed to the disk, then renamed over the target: a reader, or a
/// crash at any moment, sees either the whole previous file or the whole new one, never a mix.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string target = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } // no-op when it was never created or already renamed
            catch (IOException) { } // the original failure is the one worth reporting
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
