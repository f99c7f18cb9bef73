// LucenePeer.java: benchmark adapter for Apache Lucene 8 (CJKAnalyzer + BM25), same protocol as
// the C adapters (see peer_common.h): index INDEXDIR CORPUS.jsonl | query INDEXDIR Q.tsv MODE K.
//
// Index: fields id (StringField, stored), title and body (TextField, stored), CJKAnalyzer
// (width folding, lower case, overlapping bigrams; a lone CJK character as a unigram; English
// stop words), BM25Similarity(k1=1.2, b=0.75), 256 MB RAM buffer, no compound files, one thread.
// Sizes by file extension: .tim/.tip/.tmd/.doc = postings and terms, .pos/.pay = positions,
// .fdt/.fdx/.fdm = stored, the rest (norms, id doc values, field infos, segments) = other.
// Hit ids are read from doc values (SortedDocValuesField "id").
// AND: each word is a phrase of its analyzed tokens, in title (boost 2) or body; words MUST.
// OR: every token of the question as a SHOULD clause on title (boost 2) and on body.
// Timing is inside the JVM: query times exclude start-up and follow one untimed warm-up pass.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.Version;

public final class LucenePeer {
    private static final float TITLE_BOOST = 2.0f;
    private static final int WARMUP_RUNS = 3000; // PC_WARMUP_RUNS in peer_common.h

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
                                          false, "UTF-8");
        int rc;
        if (args.length == 3 && args[0].equals("index")) {
            rc = index(Paths.get(args[1]), Paths.get(args[2]), out);
        } else if (args.length == 5 && args[0].equals("query")
                   && (args[3].equals("and") || args[3].equals("or"))) {
            rc = query(Paths.get(args[1]), Paths.get(args[2]), args[3].equals("or"),
                       Integer.parseInt(args[4]), out);
        } else {
            System.err.println("usage: LucenePeer index INDEXDIR CORPUS.jsonl\n"
                               + "       LucenePeer query INDEXDIR QUERIES.tsv and|or K");
            rc = 2;
        }
        out.flush();
        System.exit(rc);
    }

    // ---- indexing ------------------------------------------------------------------------

    private static int index(Path dir, Path corpus, PrintStream out) throws IOException {
        long t0 = System.nanoTime();
        long docs = 0, bytes = 0;
        IndexWriterConfig cfg = new IndexWriterConfig(new CJKAnalyzer());
        cfg.setSimilarity(new BM25Similarity());
        cfg.setRAMBufferSizeMB(256);
        cfg.setUseCompoundFile(false);
        TieredMergePolicy mp = new TieredMergePolicy();
        mp.setNoCFSRatio(0.0);
        cfg.setMergePolicy(mp);
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        try (FSDirectory fs = FSDirectory.open(dir);
             IndexWriter w = new IndexWriter(fs, cfg);
             BufferedReader r = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
                if (line.trim().isEmpty())
                    continue;
                String[] f = Json.fields(line);
                if (f[0] == null || f[0].isEmpty())
                    throw new IOException("document without id at line " + (docs + 1));
                Document d = new Document();
                d.add(new StringField("id", f[0], Field.Store.YES));
                d.add(new SortedDocValuesField("id", new BytesRef(f[0])));
                d.add(new TextField("title", f[1] == null ? "" : f[1], Field.Store.YES));
                d.add(new TextField("body", f[2] == null ? "" : f[2], Field.Store.YES));
                w.addDocument(d);
                docs++;
            }
            w.commit();
        }
        double secs = (System.nanoTime() - t0) * 1e-9;
        long postings = 0, positions = 0, stored = 0, other = 0, total = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                long s = Files.size(p);
                s = (s + 4095) / 4096 * 4096;
                total += s;
                if (n.matches(".*\\.(tim|tip|tmd|doc)$"))
                    postings += s;
                else if (n.matches(".*\\.(pos|pay)$"))
                    positions += s;
                else if (n.matches(".*\\.(fdt|fdx|fdm)$"))
                    stored += s;
                else
                    other += s;
            }
        }
        out.printf("engine\tlucene\t%s%n", Version.LATEST);
        out.printf("docs\t%d%ninput_bytes\t%d%nindex_seconds\t%.6f%n", docs, bytes, secs);
        out.printf("size\tpostings\t%d%nsize\tpositions\t%d%nsize\tstored\t%d%n", postings,
                   positions, stored);
        out.printf("size\tother\t%d%nsize\ttotal\t%d%n", other, total);
        return 0;
    }

    // ---- querying ------------------------------------------------------------------------

    private static final class Tok {
        final String term;
        final int pos;

        Tok(String term, int pos) {
            this.term = term;
            this.pos = pos;
        }
    }

    private static List<Tok> analyze(Analyzer a, String text) throws IOException {
        List<Tok> toks = new ArrayList<>();
        try (TokenStream ts = a.tokenStream("body", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
            ts.reset();
            int pos = -1;
            while (ts.incrementToken()) {
                pos += inc.getPositionIncrement();
                toks.add(new Tok(term.toString(), pos));
            }
            ts.end();
        }
        return toks;
    }

    private static Query phrase(String field, List<Tok> toks) {
        if (toks.size() == 1)
            return new TermQuery(new Term(field, toks.get(0).term));
        PhraseQuery.Builder b = new PhraseQuery.Builder();
        int base = toks.get(0).pos;
        for (Tok t : toks)
            b.add(new Term(field, t.term), t.pos - base);
        return b.build();
    }

    private static Query build(Analyzer a, String text, boolean or) throws IOException {
        BooleanQuery.Builder q = new BooleanQuery.Builder();
        int clauses = 0;
        for (String word : text.split("[\\s\u3000]+")) {
            if (word.isEmpty())
                continue;
            List<Tok> toks = analyze(a, word);
            if (toks.isEmpty())
                continue;
            if (or) {
                for (Tok t : toks) {
                    q.add(new BoostQuery(new TermQuery(new Term("title", t.term)), TITLE_BOOST),
                          BooleanClause.Occur.SHOULD);
                    q.add(new TermQuery(new Term("body", t.term)), BooleanClause.Occur.SHOULD);
                }
            } else {
                BooleanQuery.Builder either = new BooleanQuery.Builder();
                either.add(new BoostQuery(phrase("title", toks), TITLE_BOOST),
                           BooleanClause.Occur.SHOULD);
                either.add(phrase("body", toks), BooleanClause.Occur.SHOULD);
                q.add(either.build(), BooleanClause.Occur.MUST);
            }
            clauses++;
        }
        return clauses == 0 ? null : q.build();
    }

    private static int query(Path dir, Path qfile, boolean or, int k, PrintStream out)
            throws IOException {
        BooleanQuery.setMaxClauseCount(1 << 16);
        List<String[]> qs = new ArrayList<>();
        for (String line : Files.readAllLines(qfile, StandardCharsets.UTF_8)) {
            int tab = line.indexOf('\t');
            if (tab > 0)
                qs.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
        }
        Analyzer a = new CJKAnalyzer();
        try (FSDirectory fs = FSDirectory.open(dir);
             DirectoryReader reader = DirectoryReader.open(fs)) {
            IndexSearcher s = new IndexSearcher(reader);
            s.setSimilarity(new BM25Similarity());
            long w0 = System.nanoTime();
            // Warm-up as the C adapters: every query once, and at least WARMUP_RUNS runs.
            int runs = qs.isEmpty() ? 0 : Math.max(qs.size(), WARMUP_RUNS);
            for (int i = 0; i < runs; i++)
                run(s, a, qs.get(i % qs.size())[1], or, k, null);
            double warm = (System.nanoTime() - w0) * 1e-9;
            double[] lat = new double[qs.size()];
            String[] ids = new String[qs.size()];
            long[] totals = new long[qs.size()];
            for (int i = 0; i < qs.size(); i++) {
                StringBuilder sb = new StringBuilder();
                long t0 = System.nanoTime();
                totals[i] = run(s, a, qs.get(i)[1], or, k, sb);
                lat[i] = (System.nanoTime() - t0) * 1e-3;
                ids[i] = sb.toString();
            }
            out.printf("engine\tlucene\t%s%nwarmup_seconds\t%.6f%n", Version.LATEST, warm);
            for (int i = 0; i < qs.size(); i++)
                out.printf("q\t%s\t%.3f\t%d\t%s%n", qs.get(i)[0], lat[i], totals[i], ids[i]);
        }
        return 0;
    }

    private static long run(IndexSearcher s, Analyzer a, String text, boolean or, int k,
                            StringBuilder ids) throws IOException {
        Query q = build(a, text, or);
        if (q == null)
            return 0;
        TopDocs td = s.search(q, k);
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        for (ScoreDoc sd : td.scoreDocs) {
            // The id from doc values: a stored-field fetch decompresses a whole block per hit.
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(sd.doc, leaves));
            SortedDocValues dv = leaf.reader().getSortedDocValues("id");
            if (dv == null || !dv.advanceExact(sd.doc - leaf.docBase))
                throw new IOException("document without id");
            BytesRef id = dv.binaryValue();
            if (ids != null) {
                if (ids.length() > 0)
                    ids.append('\t');
                ids.append(id.utf8ToString());
            }
        }
        return td.totalHits.relation == org.apache.lucene.search.TotalHits.Relation.EQUAL_TO
                   ? td.totalHits.value : -1;
    }

    // ---- a minimal JSON object reader: the string values of "id", "title", "body" ---------

    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static String[] fields(String line) throws IOException {
            Json j = new Json(line);
            String[] out = new String[3];
            j.ws();
            j.expect('{');
            j.ws();
            if (j.peek() == '}')
                return out;
            for (;;) {
                j.ws();
                String key = j.string();
                j.ws();
                j.expect(':');
                j.ws();
                if (j.peek() == '"') {
                    String v = j.string();
                    if (key.equals("id"))
                        out[0] = v;
                    else if (key.equals("title"))
                        out[1] = v;
                    else if (key.equals("body"))
                        out[2] = v;
                } else {
                    j.skipValue();
                }
                j.ws();
                char c = j.next();
                if (c == '}')
                    return out;
                if (c != ',')
                    throw new IOException("bad JSON at " + j.i);
            }
        }

        private char peek() throws IOException {
            if (i >= s.length())
                throw new IOException("truncated JSON");
            return s.charAt(i);
        }

        private char next() throws IOException {
            char c = peek();
            i++;
            return c;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i)))
                i++;
        }

        private void expect(char c) throws IOException {
            if (next() != c)
                throw new IOException("expected " + c + " at " + (i - 1));
        }

        private String string() throws IOException {
            expect('"');
            StringBuilder b = new StringBuilder();
            for (;;) {
                char c = next();
                if (c == '"')
                    return b.toString();
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                case 'n': b.append('\n'); break;
                case 't': b.append('\t'); break;
                case 'r': b.append('\r'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'u':
                    if (i + 4 > s.length())
                        throw new IOException("truncated \\u escape");
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                    break;
                default: b.append(e);
                }
            }
        }

        private void skipValue() throws IOException {
            char c = peek();
            if (c == '"') {
                string();
            } else if (c == '{' || c == '[') {
                int depth = 0;
                do {
                    char d = peek();
                    if (d == '"') {
                        string();
                        continue;
                    }
                    next();
                    if (d == '{' || d == '[')
                        depth++;
                    else if (d == '}' || d == ']')
                        depth--;
                } while (depth > 0);
            } else {
                while (i < s.length() && ",}] \t".indexOf(s.charAt(i)) < 0)
                    i++;
            }
        }
    }
}
