using Nabla.Data;
using Nabla.Tests.Support;

namespace Nabla.Tests.Data;

public class DatasetsTests
{
    [Fact]
    public void ExplicitPathThatDoesNotExistNamesThePath()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Datasets.TryFindLocal("names.txt", "/no/such/dir/names.txt"));
        Assert.Contains("/no/such/dir/names.txt", e.Message);
    }

    [Fact]
    public void ExplicitPathWins()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, "emma\n");
        try { Assert.Equal(Path.GetFullPath(file), Datasets.Resolve("names.txt", file)); }
        finally { File.Delete(file); }
    }

    [Fact]
    public void UnknownDatasetMissingEverywhereSaysWhereItLooked()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Datasets.Resolve("no-such-dataset-for-nabla.txt"));
        Assert.Contains("no-such-dataset-for-nabla.txt", e.Message);
        Assert.Contains(Datasets.CacheDirectory, e.Message);
    }

    [Fact]
    public void OfflineDownloadFailureTellsWhereToPutTheFile()
    {
        string cache = Directory.CreateTempSubdirectory().FullName;
        try
        {
            using var offline = new HttpClient(new FailingHandler());
            var e = Assert.Throws<FileNotFoundException>(
                () => Datasets.Resolve("names.txt", explicitPath: null, dataDir: null, cacheDir: cache, http: offline));
            Assert.Contains("names.txt", e.Message);
            Assert.Contains(Datasets.DataDirVariable, e.Message);
            Assert.Contains(cache, e.Message);
            Assert.Empty(Directory.GetFiles(cache)); // no partial file left behind
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    [SkippableFact]
    public void SharedDatasetsAreFoundThroughTheDataDirectory()
    {
        string names = TestData.Require("names.txt");
        Assert.Equal(32033, File.ReadLines(names).Count(l => l.Length > 0));
        string shakespeare = TestData.Require("tinyshakespeare.txt");
        Assert.Equal(1115394, File.ReadAllText(shakespeare).Length);
    }

    private sealed class FailingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => throw new HttpRequestException("network unreachable");
    }
}

public class DatasetNameTests
{
    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData("sub/names.txt")]
    public void A_name_with_a_folder_is_refused(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => Datasets.TryFindLocal(name));
        Assert.Contains($"dataset name '{name}' is not a file name", e.Message);
    }

    [Fact]
    public void An_empty_dataset_file_is_refused_naming_it()
    {
        string folder = Directory.CreateTempSubdirectory().FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "names.txt"), "");
            var e = Assert.Throws<InvalidDataException>(() => Datasets.Resolve("names.txt", null, folder, folder, http: null));
            Assert.Contains($"'{Path.Combine(folder, "names.txt")}' is empty", e.Message);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void An_empty_download_is_not_kept()
    {
        string cache = Directory.CreateTempSubdirectory().FullName;
        try
        {
            using var empty = new HttpClient(new EmptyHandler());
            var e = Assert.Throws<FileNotFoundException>(() => Datasets.Resolve("names.txt", null, null, cache, empty));
            Assert.Contains("the server sent an empty file", e.Message);
            Assert.Empty(Directory.GetFiles(cache));
        }
        finally { Directory.Delete(cache, recursive: true); }
    }

    private sealed class EmptyHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent([]) });
    }
}
