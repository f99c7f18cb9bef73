// peer_xapian.cc: benchmark adapter for Xapian 1.4 (glass backend, TermGenerator CJK n-grams).
//
// Index: TermGenerator with FLAG_CJK_NGRAM (a CJK run gives every character with its position
// and every bigram without one). Title text indexed with wdf increment 2 (title weight 2),
// then the body; the id is value slot 0 and the document data holds title and body (stored).
// Sizes: postlist.glass = postings and term dictionary, position.glass = positions,
// docdata.glass = stored text, the rest (termlist.glass...) = other.
// Queries are built from the same TermGenerator output, no QueryParser:
//   AND: each word is one unit: its bigrams ANDed with a phrase of its characters (Xapian 1.4
//        keeps no positions for bigrams, so adjacency is checked on the unigrams), words ANDed.
//   OR:  OP_OR of the question's bigrams (a lone CJK character or a Latin word as itself).
// Weighting: BM25Weight(k1=1.2, k2=0, k3=1, b=0.75, min_normlen=0.5); Xapian's own default is
// k1=1, b=0.5.
#include "peer_common.h"

#include <xapian.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

struct XIndex {
    Xapian::WritableDatabase db;
    Xapian::TermGenerator tg;
};

struct XQuery {
    Xapian::Database db;
    Xapian::Enquire *enq = nullptr;
    Xapian::TermGenerator tg;
};

int x_index_begin(void **st, const char *dir)
{
    try {
        XIndex *x = new XIndex;
        x->db = Xapian::WritableDatabase(dir, Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
        x->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
        *st = x;
        return 0;
    } catch (const Xapian::Error &e) {
        std::cerr << "xapian: " << e.get_description() << "\n";
        return 1;
    }
}

int x_index_add(void *st, const pc_doc *d)
{
    XIndex *x = static_cast<XIndex *>(st);
    try {
        Xapian::Document doc;
        x->tg.set_document(doc);
        x->tg.index_text(std::string(d->title, d->title_len), 2);
        x->tg.increase_termpos(100);
        x->tg.index_text(std::string(d->body, d->body_len));
        doc.add_value(0, std::string(d->id, d->id_len));
        std::string data(d->title, d->title_len);
        data.push_back('\n');
        data.append(d->body, d->body_len);
        doc.set_data(data);
        x->db.add_document(doc);
        return 0;
    } catch (const Xapian::Error &e) {
        std::cerr << "xapian: " << e.get_description() << "\n";
        return 1;
    }
}

int64_t file_bytes(const std::string &path)
{
    return pc_dir_bytes(path.c_str());
}

int x_index_end(void *st, const char *dir, pc_sizes *sz)
{
    XIndex *x = static_cast<XIndex *>(st);
    try {
        x->db.commit();
        x->db.close();
    } catch (const Xapian::Error &e) {
        std::cerr << "xapian: " << e.get_description() << "\n";
        return 1;
    }
    delete x;
    std::string d(dir);
    sz->postings = file_bytes(d + "/postlist.glass");
    sz->positions = file_bytes(d + "/position.glass");
    sz->stored = file_bytes(d + "/docdata.glass");
    sz->other = pc_dir_bytes(dir) - sz->postings - sz->positions - sz->stored;
    return 0;
}

int x_query_open(void **st, const char *dir)
{
    try {
        XQuery *x = new XQuery;
        x->db = Xapian::Database(dir);
        x->enq = new Xapian::Enquire(x->db);
        x->enq->set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
        x->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
        *st = x;
        return 0;
    } catch (const Xapian::Error &e) {
        std::cerr << "xapian: " << e.get_description() << "\n";
        return 1;
    }
}

// The terms of one word as the index has them: positioned terms (characters, Latin words) in
// order, and the unpositioned bigrams.
struct WordTerms {
    std::vector<std::string> positioned;
    std::vector<std::string> bigrams;
};

WordTerms analyze(XQuery *x, const std::string &word)
{
    Xapian::Document doc;
    x->tg.set_document(doc);
    x->tg.index_text(word);
    std::map<Xapian::termpos, std::string> pos;
    WordTerms w;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        bool any = false;
        for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) {
            pos[*p] = *t;
            any = true;
        }
        if (!any)
            w.bigrams.push_back(*t);
    }
    for (auto &kv : pos)
        w.positioned.push_back(kv.second);
    return w;
}

Xapian::Query and_word(const WordTerms &w)
{
    if (w.positioned.empty())
        return Xapian::Query();
    Xapian::Query phrase = w.positioned.size() == 1
                               ? Xapian::Query(w.positioned[0])
                               : Xapian::Query(Xapian::Query::OP_PHRASE, w.positioned.begin(),
                                               w.positioned.end(), w.positioned.size());
    if (w.bigrams.empty())
        return phrase;
    Xapian::Query bi(Xapian::Query::OP_AND, w.bigrams.begin(), w.bigrams.end());
    return Xapian::Query(Xapian::Query::OP_AND, bi, phrase);
}

// OR terms: every bigram, plus each positioned term that no bigram covers (a lone character,
// a Latin word).
void or_terms(const WordTerms &w, std::vector<std::string> &out)
{
    std::set<std::string> covered;
    for (const auto &b : w.bigrams) {
        out.push_back(b);
        // A bigram is two characters: record both halves as covered.
        size_t first = 1;
        while (first < b.size() && (static_cast<unsigned char>(b[first]) & 0xC0) == 0x80)
            first++;
        covered.insert(b.substr(0, first));
        covered.insert(b.substr(first));
    }
    for (const auto &p : w.positioned)
        if (!covered.count(p))
            out.push_back(p);
}

int x_query_run(void *st, const char *text, int mode_or, int k, pc_result *res)
{
    XQuery *x = static_cast<XQuery *>(st);
    try {
        char **words;
        size_t nw = pc_split_words(text, &words);
        std::vector<Xapian::Query> parts;
        std::vector<std::string> terms;
        for (size_t i = 0; i < nw; i++) {
            WordTerms w = analyze(x, words[i]);
            if (mode_or)
                or_terms(w, terms);
            else if (!w.positioned.empty())
                parts.push_back(and_word(w));
        }
        pc_words_free(words, nw);
        Xapian::Query q = mode_or
                              ? Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end())
                              : Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
        if (q.empty())
            return 0;
        x->enq->set_query(q);
        Xapian::MSet m = x->enq->get_mset(0, static_cast<Xapian::doccount>(k));
        res->total = static_cast<int64_t>(m.get_matches_estimated());
        for (auto it = m.begin(); it != m.end(); ++it) {
            std::string id = it.get_document().get_value(0);
            pc_result_add(res, id.data(), id.size());
        }
        return 0;
    } catch (const Xapian::Error &e) {
        std::cerr << "xapian: " << e.get_description() << "\n";
        return 1;
    }
}

void x_query_close(void *st)
{
    XQuery *x = static_cast<XQuery *>(st);
    delete x->enq;
    delete x;
}

} // namespace

int main(int argc, char **argv)
{
    pc_engine e = {"xapian", Xapian::version_string(), x_index_begin, x_index_add,
                   x_index_end, x_query_open, x_query_run, x_query_close};
    return pc_main(argc, argv, &e);
}
